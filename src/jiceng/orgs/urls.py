from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("<int:org_id>/", views.detail, name="detail"),
    path("<int:org_id>/members/", views.members, name="members"),
    path("<int:org_id>/list/", views.org_list, name="list"),
    path("<int:org_id>/problems/", views.problems, name="problems"),
    path("<int:org_id>/new/", views.create_child, name="create_child"),
    path("<int:org_id>/move/", views.move, name="move"),
    path("<int:org_id>/appoint/", views.appoint, name="appoint"),
    path("posts/<int:post_id>/end/", views.end_post, name="end_post"),
]
