from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "jiceng.dashboard"
    verbose_name = "一屏知全域（仪表盘）"
