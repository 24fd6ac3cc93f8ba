from django.core.management.base import BaseCommand, CommandError

from jiceng.core import audit


class Command(BaseCommand):
    help = "Audit log tools. `jiceng audit verify` proves the hash chain unbroken or names the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        ok, count, message = audit.verify()
        if not ok:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
