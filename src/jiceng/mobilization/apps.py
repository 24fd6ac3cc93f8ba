from django.apps import AppConfig


class MobilizationConfig(AppConfig):
    name = "jiceng.mobilization"
    verbose_name = "下沉"
