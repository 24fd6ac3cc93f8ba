from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiceng.exchange"
    verbose_name = "导入导出"

    def ready(self):
        from jiceng.core import scoping

        from .models import ImportJob

        # Seen through the organization the roster was imported under.
        scoping.register(ImportJob, "org__path")
