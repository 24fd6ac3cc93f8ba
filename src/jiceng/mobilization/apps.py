from django.apps import AppConfig


class MobilizationConfig(AppConfig):
    name = "jiceng.mobilization"
    verbose_name = "下沉"

    def ready(self):
        from jiceng.core import scoping

        from .models import Call, Deployment, Need

        # The caller sees its call; each named community sees the call and its own posts;
        # a member's branch sees where its members went; the person sees their own.
        scoping.register(Call, "caller__path", "needs__community__path", many=True)
        scoping.register(Need, "call__caller__path", "community__path")
        scoping.register(Deployment, "call__caller__path", "need__community__path", "person__membership__org__path",
                         self_lookup="person__user")
