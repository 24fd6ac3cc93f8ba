from django.urls import path

from . import views

app_name = "life"
urlpatterns = [
    path("orgs/<int:org_id>/", views.book, name="book"),
    path("orgs/<int:org_id>/record/", views.record, name="record"),
    path("orgs/<int:org_id>/plan/", views.plan, name="plan"),
    path("orgs/<int:org_id>/talk/", views.talk, name="talk"),
    path("orgs/<int:org_id>/compliance/", views.compliance_page, name="compliance"),
    path("orgs/<int:org_id>/book.pdf", views.book_pdf, name="book_pdf"),
    path("orgs/<int:org_id>/compliance.xlsx", views.compliance_xlsx, name="compliance_xlsx"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", views.edit, name="edit"),
    path("meetings/<int:meeting_id>/hold/", views.hold, name="hold"),
    path("meetings/<int:meeting_id>/attach/", views.attach, name="attach"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("me/", views.mine, name="mine"),
]
