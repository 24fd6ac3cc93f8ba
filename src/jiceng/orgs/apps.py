from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jiceng.orgs"
    verbose_name = "组织"

    def ready(self):
        from jiceng.core import scoping

        from .models import LeadershipPost, NodeCount, Organization

        scoping.register(Organization, "path")
        scoping.register(LeadershipPost, "org__path")
        scoping.register(NodeCount, "node__path")
