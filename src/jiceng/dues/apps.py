from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "jiceng.dues"
    verbose_name = "党费"

    def ready(self):
        from jiceng.core import scoping

        from .models import Assessment, DuesProfile, Payment, Reduction

        # Seen through the branch the row was written for; a member sees their own dues.
        for model in (Assessment, DuesProfile, Payment, Reduction):
            scoping.register(model, "org__path", self_lookup="person__user")
