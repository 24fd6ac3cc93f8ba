app_name = "development"
urlpatterns = []
