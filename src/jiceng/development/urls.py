from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("orgs/<int:org_id>/", views.dashboard, name="dashboard"),
    path("orgs/<int:org_id>/apply/", views.apply, name="apply"),
    path("people/<int:person_id>/", views.record, name="record"),
    path("people/<int:person_id>/<slug:step>/", views.step, name="step"),
    path("documents/<int:document_id>/", views.document, name="document"),
]
