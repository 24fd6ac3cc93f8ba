from django.apps import AppConfig


class LifeConfig(AppConfig):
    name = "jiceng.life"
    verbose_name = "组织生活"

    def ready(self):
        from jiceng.core import scoping
        from jiceng.orgs import rollups

        from . import absences, counters
        from .models import Amendment, Attachment, Attendance, Meeting, Talk, Vote

        scoping.register(Meeting, "org__path")
        for part in (Attachment, Vote, Amendment):
            scoping.register(part, "meeting__org__path")
        # A member sees their own attendance, wherever their branch is.
        scoping.register(Attendance, "meeting__org__path", self_lookup="person__user")
        scoping.register(Talk, "org__path")
        rollups.extend(live=counters.live_contributions, on_owing_change=counters.owing_changed,
                       rebuild=absences.rebuild)
