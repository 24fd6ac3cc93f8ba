from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jiceng.reports"
    verbose_name = "党内统计报表"
