"""The figures of residents' requests: the staff page (any node the user may see) and the
public page of a jurisdiction. Included at the root of the site (both prefixes here)."""

from django.urls import path

from . import figure_views

app_name = "figures"
urlpatterns = [
    path("requests/figures/", figure_views.staff, name="staff"),
    path("r/figures/<str:division_code>/", figure_views.public, name="public"),
]
