from django.apps import AppConfig


class CadresConfig(AppConfig):
    name = "jiceng.cadres"
    verbose_name = "村干部"

    def ready(self):
        from jiceng.core import scoping

        from .models import Candidate, Election, Filing, Naming, Pairing, Review, Station, WorkLog

        for model in (Election, Filing, Station, Naming):
            scoping.register(model, "village__path")
        scoping.register(Candidate, "election__village__path")
        scoping.register(Review, "candidate__election__village__path")
        scoping.register(WorkLog, "station__village__path")
        scoping.register(Pairing, "naming__village__path")
