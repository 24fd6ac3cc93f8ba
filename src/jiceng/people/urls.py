from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("<int:person_id>/", views.detail, name="detail"),
    path("<int:person_id>/reveal/", views.reveal, name="reveal"),
    path("new/in/<int:org_id>/", views.add_member, name="add_member"),
]
