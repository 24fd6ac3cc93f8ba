from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "jiceng.people"
    verbose_name = "人员与党籍"

    def ready(self):
        from jiceng.core import scoping

        from .models import Membership, MembershipPeriod, Person

        # A person is seen through the branch holding their membership or the community
        # they live in; a member also sees their own record.
        scoping.register(Person, "membership__org__path", "residence__path", self_lookup="user")
        scoping.register(Membership, "org__path", self_lookup="person__user")
        scoping.register(MembershipPeriod, "org__path", self_lookup="person__user")
