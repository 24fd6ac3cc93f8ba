"""Public pages for residents (no login): submit, follow, rate. (The public figures are in figure_urls.)"""

from django.urls import path

from . import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.submit, name="submit"),
    path("submitted/<str:tracking_no>/", public_views.submitted, name="submitted"),
    path("track/", public_views.track, name="track"),
    path("track/<str:tracking_no>/", public_views.case_page, name="case"),
    path("photos/<int:photo_id>/", public_views.photo, name="photo"),
]
