from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "jiceng.development"
    verbose_name = "发展党员"

    def ready(self):
        from jiceng.core import scoping

        from .models import Case, Document, Step

        # A case is seen through the branch holding the person's membership, wherever a
        # transfer has taken it; the person sees their own.
        scoping.register(Case, "membership__org__path", self_lookup="person__user")
        scoping.register(Step, "case__membership__org__path", self_lookup="case__person__user")
        scoping.register(Document, "step__case__membership__org__path", self_lookup="step__case__person__user")
