from django.apps import AppConfig


class CheckinConfig(AppConfig):
    name = "jiceng.checkin"
    verbose_name = "在职党员到社区报到"
