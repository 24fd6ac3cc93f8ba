from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("orgs/<int:org_id>/import/", views.upload, name="upload"),
    path("imports/<int:job_id>/", views.job, name="job"),
    path("imports/<int:job_id>/progress/", views.progress, name="progress"),
    path("imports/<int:job_id>/report.xlsx", views.report_xlsx, name="report"),
    path("imports/<int:job_id>/commit/", views.commit, name="commit"),
    path("imports/<int:job_id>/retry/", views.retry, name="retry"),
]
