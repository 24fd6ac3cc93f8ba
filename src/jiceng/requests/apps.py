from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "jiceng.requests"
    label = "requests"
    verbose_name = "接诉即办"

    def ready(self):
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from jiceng.core import scoping
        from jiceng.core.models import Grant
        from jiceng.orgs import rollups
        from jiceng.orgs.models import Organization

        from . import figures, routing
        from .models import Event, Photo, Request, Summons

        # The owner's subtree and the grid's (a grid worker sees requests in the grid even
        # when a community or department owns them).
        scoping.register(Request, "owner__path", "grid__path")
        for part in (Event, Photo):
            scoping.register(part, "request__owner__path", "request__grid__path")
        scoping.register(Summons, "department__path", "request__owner__path")
        # The figures kept per node follow a subtree that moves, and are rebuilt, with orgs' rollups.
        rollups.extend(on_move=figures.shift_subtree, rebuild=figures.rebuild)
        # A new, changed or dissolved grid routes this process's next request; other
        # processes pick it up within the policy's routing_cache_seconds.
        post_save.connect(lambda **kw: transaction.on_commit(routing.invalidate), sender=Organization,
                          weak=False, dispatch_uid="requests.routing.invalidate")
        # The handlers told of new requests are kept with the index too (routing.memo).
        for signal in (post_save, post_delete):
            signal.connect(lambda **kw: transaction.on_commit(routing.invalidate), sender=Grant, weak=False,
                           dispatch_uid=f"requests.routing.invalidate.grant.{signal is post_save}")
