from django.urls import path

from . import views

app_name = "mobilization"
urlpatterns = [
    path("me/", views.mine, name="mine"),
    path("orgs/<int:org_id>/", views.org_calls, name="org"),
    path("orgs/<int:org_id>/new/", views.issue, name="issue"),
    path("calls/<int:call_id>/", views.call_page, name="call"),
    path("calls/<int:call_id>/coverage.json", views.coverage_json, name="coverage"),
    path("calls/<int:call_id>/assign/", views.assign, name="assign"),
    path("calls/<int:call_id>/close/", views.close, name="close"),
    path("needs/<int:need_id>/set/", views.set_need, name="set_need"),
    path("needs/<int:need_id>/signup/", views.sign_up, name="sign_up"),
    path("deployments/<int:deployment_id>/arrive/", views.arrive, name="arrive"),
    path("deployments/<int:deployment_id>/withdraw/", views.withdraw, name="withdraw"),
]
