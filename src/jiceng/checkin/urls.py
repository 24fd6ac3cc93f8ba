from django.urls import path

from . import views

app_name = "checkin"
urlpatterns = [
    path("me/", views.mine, name="mine"),
    path("me/register/", views.register_self, name="register_self"),
    path("orgs/<int:org_id>/", views.org_page, name="org"),
    path("orgs/<int:org_id>/register/", views.register_for, name="register_for"),
    path("orgs/<int:org_id>/publish/", views.publish, name="publish"),
    path("orgs/<int:org_id>/units/new/", views.unit_new, name="unit_new"),
    path("units/<int:partner_id>/end/", views.unit_end, name="unit_end"),
    path("registrations/<int:registration_id>/end/", views.end_registration, name="end_registration"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("tasks/<int:task_id>/claim/", views.claim, name="claim"),
    path("tasks/<int:task_id>/close/", views.close, name="close"),
    path("claims/<int:claim_id>/withdraw/", views.withdraw, name="withdraw"),
    path("claims/<int:claim_id>/confirm/", views.confirm, name="confirm"),
]
