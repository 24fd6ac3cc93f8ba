from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "jiceng.transfers"
    verbose_name = "组织关系转接"

    def ready(self):
        from jiceng.core import scoping

        from .models import Transfer

        # Both ends see a transfer: the sending branch's subtree and the receiving one's
        # (scoping ORs its lookups; a letter has only one end in the system). The member
        # sees their own.
        scoping.register(Transfer, "from_org__path", "to_org__path", self_lookup="membership__person__user")
