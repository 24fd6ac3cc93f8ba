from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "jiceng.economy"
    verbose_name = "村级集体经济"

    def ready(self):
        from jiceng.core import scoping

        from .models import ClosedYear, Cooperative, Dividend, Household, IncomeEntry, YearTotal

        for model in (IncomeEntry, YearTotal, Cooperative):
            scoping.register(model, "village__path")
        scoping.register(ClosedYear, "org__path")
        scoping.register(Household, "cooperative__village__path")
        scoping.register(Dividend, "household__cooperative__village__path")
