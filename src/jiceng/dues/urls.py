from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("orgs/<int:org_id>/", views.branch_month, name="branch"),
    path("orgs/<int:org_id>/run/", views.run, name="run"),
    path("orgs/<int:org_id>/arrears/", views.arrears, name="arrears"),
    path("orgs/<int:org_id>/notify/", views.notify_unpaid, name="notify"),
    path("orgs/<int:org_id>/statement.xlsx", views.org_statement, name="org_statement"),
    path("people/<int:person_id>/", views.member, name="member"),
    path("people/<int:person_id>/profile/", views.profile, name="profile"),
    path("people/<int:person_id>/pay/", views.pay, name="pay"),
    path("people/<int:person_id>/reduction/", views.reduction, name="reduction"),
    path("people/<int:person_id>/statement.xlsx", views.member_statement, name="member_statement"),
    path("reductions/<int:reduction_id>/approve/", views.approve, name="approve"),
    path("me/", views.mine, name="mine"),
]
