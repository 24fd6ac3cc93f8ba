from django.core.management.base import BaseCommand, CommandError

from jiceng.orgs import rollups


class Command(BaseCommand):
    help = "Per-node counts: `rebuild` recomputes them from the live tables; `check` compares them."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check"])

    def handle(self, *args, action, **options):
        if action == "rebuild":
            rows = rollups.rebuild()
            self.stdout.write(self.style.SUCCESS(f"rebuilt {rows} rollup rows"))
            return
        wrong = rollups.mismatches(limit=20)
        if wrong:
            for node_id, key, stored, live in wrong:
                self.stderr.write(f"node {node_id} {key}: kept {stored}, live {live}")
            node_id, key, stored, live = wrong[0]
            raise CommandError(f"rollups differ from live counts ({len(wrong)} shown); first: "
                               f"node {node_id} {key}: kept {stored}, live {live}")
        self.stdout.write(self.style.SUCCESS("rollups equal live counts"))
