from django.urls import path

from . import views

app_name = "economy"
urlpatterns = [
    path("orgs/<int:org_id>/", views.village_list, name="list"),
    path("orgs/<int:org_id>/close/", views.close_year, name="close"),
    path("villages/<int:org_id>/", views.village, name="village"),
    path("villages/<int:org_id>/income/", views.add_income, name="income"),
    path("entries/<int:incomeentry_id>/correct/", views.correct_income, name="correct_income"),
    path("villages/<int:org_id>/cooperatives/new/", views.add_cooperative, name="add_cooperative"),
    path("cooperatives/<int:cooperative_id>/", views.cooperative, name="cooperative"),
    path("cooperatives/<int:cooperative_id>/households/new/", views.add_household, name="add_household"),
    path("cooperatives/<int:cooperative_id>/dividends/", views.add_dividend, name="dividend"),
]
