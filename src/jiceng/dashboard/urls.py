from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:org_id>/", views.node, name="node"),
    path("<int:org_id>/data.json", views.data, name="data"),
    path("<int:org_id>/map.json", views.map_json, name="map"),
    path("<int:org_id>/screen/", views.screen, name="screen"),
]
