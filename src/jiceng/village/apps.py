from django.apps import AppConfig


class VillageConfig(AppConfig):
    name = "jiceng.village"
    verbose_name = "村务决策与公开"

    def ready(self):
        from jiceng.core import scoping

        from .models import Disclosure, Matter, Objection, Question, StepRecord, Supervisor

        scoping.register(Matter, "village__path")
        scoping.register(Disclosure, "village__path")
        scoping.register(Supervisor, "village__path")
        for part in (StepRecord, Objection):
            scoping.register(part, "matter__village__path")
        scoping.register(Question, "disclosure__village__path")
