"""Staff pages of residents' requests: queues, a request's page and its actions."""

from django.urls import path

from . import views

app_name = "requests"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:request_id>/", views.detail, name="detail"),
    path("<int:request_id>/accept/", views.accept, name="accept"),
    path("<int:request_id>/note/", views.note, name="note"),
    path("<int:request_id>/help/", views.ask_help, name="help"),
    path("<int:request_id>/resolve/", views.resolve, name="resolve"),
    path("<int:request_id>/dispatch/", views.dispatch, name="dispatch"),
    path("<int:request_id>/merge/", views.merge, name="merge"),
    path("<int:request_id>/summon/", views.summon, name="summon"),
    path("summonses/", views.summonses, name="summonses"),
    path("summonses/<int:summons_id>/accept/", views.accept_summons, name="accept_summons"),
    path("summonses/<int:summons_id>/report/", views.report_summons, name="report_summons"),
]
