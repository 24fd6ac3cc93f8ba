from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("<int:org_id>/", views.report, name="report"),
    path("<int:org_id>/xlsx/", views.download, name="xlsx"),
    path("<int:org_id>/rows/", views.rows, name="rows"),
]
