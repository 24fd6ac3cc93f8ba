from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("<int:person_id>/", views.detail, name="detail"),
    path("<int:person_id>/reveal/", views.reveal, name="reveal"),
    path("<int:person_id>/card.pdf", views.card, name="card"),
    path("<int:person_id>/edit/", views.edit, name="edit"),
    path("<int:person_id>/status/", views.change_status, name="change_status"),
    path("new/in/<int:org_id>/", views.add_member, name="add_member"),
]
