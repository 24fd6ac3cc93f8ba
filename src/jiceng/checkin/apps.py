from django.apps import AppConfig


class CheckinConfig(AppConfig):
    name = "jiceng.checkin"
    verbose_name = "在职党员到社区报到"

    def ready(self):
        from jiceng.core import scoping

        from .models import Claim, PartnerUnit, Registration, Task

        # The community sees who registered with it; the workplace branch sees its members'
        # registrations and service; the member sees their own.
        scoping.register(Registration, "community__path", "person__membership__org__path",
                         self_lookup="person__user")
        scoping.register(PartnerUnit, "community__path", "org__path")
        scoping.register(Task, "community__path")
        scoping.register(Claim, "task__community__path", "person__membership__org__path",
                         self_lookup="person__user")
