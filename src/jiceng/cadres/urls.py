from django.urls import path

from . import views

app_name = "cadres"
urlpatterns = [
    path("orgs/<int:org_id>/", views.overview, name="overview"),
    path("orgs/<int:org_id>/election/", views.election_new, name="election_new"),
    path("orgs/<int:org_id>/held/", views.held_new, name="held_new"),
    path("orgs/<int:org_id>/candidate/", views.candidate_new, name="candidate_new"),
    path("orgs/<int:org_id>/filing/", views.filing_new, name="filing_new"),
    path("orgs/<int:org_id>/station/", views.station_new, name="station_new"),
    path("orgs/<int:org_id>/terms/", views.term_calendar, name="terms"),
    path("orgs/<int:org_id>/rectification/", views.rectification, name="rectification"),
    path("orgs/<int:org_id>/rectification/new/", views.naming_new, name="naming_new"),
    path("candidates/<int:candidate_id>/", views.candidate, name="candidate"),
    path("candidates/<int:candidate_id>/enter/", views.candidate_enter, name="candidate_enter"),
    path("filings/<int:filing_id>/decide/", views.filing_decide, name="filing_decide"),
    path("stations/<int:station_id>/", views.station_page, name="station"),
    path("namings/<int:naming_id>/", views.naming, name="naming"),
    path("namings/<int:naming_id>/close/", views.naming_close, name="naming_close"),
]
