from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "jiceng.transfers"
    verbose_name = "组织关系转接"
