from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("orgs/<int:org_id>/", views.transfer_list, name="list"),
    path("orgs/<int:org_id>/send/", views.send, name="send"),
    path("orgs/<int:org_id>/letter/", views.issue_letter, name="issue_letter"),
    path("orgs/<int:org_id>/letter-in/", views.register_letter, name="register_letter"),
    path("<int:transfer_id>/", views.detail, name="detail"),
    path("<int:transfer_id>/accept/", views.accept, name="accept"),
    path("<int:transfer_id>/return/", views.return_transfer, name="return"),
    path("<int:transfer_id>/confirm/", views.confirm, name="confirm"),
    path("<int:transfer_id>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
