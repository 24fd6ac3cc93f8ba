from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiceng.core"
    verbose_name = "核心（权限与审计）"

    def ready(self):
        from . import scoping, signals  # noqa: F401  (signals: login auditing)
        from .models import Grant

        scoping.register(Grant, "node__path")
