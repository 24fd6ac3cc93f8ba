from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiceng.core"
    verbose_name = "核心（权限与审计）"

    def ready(self):
        from . import scoping, signals  # noqa: F401  (signals: login auditing)
        from django.contrib.auth import get_user_model

        from .models import Grant

        scoping.register(Grant, "node__path")
        # An account is seen by those whose subtree holds one of its grants.
        scoping.register(get_user_model(), "grants__node__path", self_lookup="pk", many=True)
