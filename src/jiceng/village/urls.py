from django.urls import path

from . import views

app_name = "village"
urlpatterns = [
    path("orgs/<int:org_id>/", views.matters, name="matters"),
    path("orgs/<int:org_id>/propose/", views.propose, name="propose"),
    path("orgs/<int:org_id>/supervisors/", views.supervisors, name="supervisors"),
    path("supervisors/<int:supervisor_id>/end/", views.end_supervisor, name="end_supervisor"),
    path("matters/<int:matter_id>/", views.matter, name="matter"),
    path("matters/<int:matter_id>/step/", views.record_step, name="step"),
    path("matters/<int:matter_id>/object/", views.object_to, name="object"),
    path("objections/<int:objection_id>/answer/", views.answer_objection, name="answer_objection"),
    path("disclosures/<int:disclosure_id>/take-down/", views.take_down, name="take_down"),
    path("questions/<int:question_id>/answer/", views.answer, name="answer"),
    # Public: the village's board, a disclosure's poster, a resident's question. No login.
    path("board/<int:village_id>/", views.board, name="board"),
    path("disclosures/<int:disclosure_id>/poster.pdf", views.poster, name="poster"),
    path("disclosures/<int:disclosure_id>/ask/", views.ask, name="ask"),
]
