from django.core.management.base import BaseCommand, CommandError

from jiceng.core.errors import DomainError
from jiceng.requests import open311_keys
from jiceng.requests.models import ApiClient


class Command(BaseCommand):
    help = ("Open311 api_keys. `create \"<client name>\"` prints a new key once (only its digest is kept); "
            "`list` shows the clients; `revoke <id>` stops a client's key.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("create", help="issue a key to a new client").add_argument("name")
        actions.add_parser("list", help="the clients and whether their keys are accepted")
        actions.add_parser("revoke", help="stop accepting a client's key").add_argument("id", type=int)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _create(self, name, **options):
        client, key = open311_keys.issue(None, name)
        self.stderr.write(f"接入应用 #{client.pk}“{client.name}”的 api_key（只显示这一次，请妥善交给对方）：")
        self.stdout.write(key)

    def _list(self, **options):
        for client in ApiClient.objects.order_by("pk"):
            state = "启用" if client.active else "已停用"
            self.stdout.write(f"{client.pk}\t{state}\t{client.created_at:%Y-%m-%d}\t{client.name}")

    def _revoke(self, id, **options):
        client = ApiClient.objects.filter(pk=id).first()
        if client is None:
            raise CommandError(f"没有编号为 {id} 的接入应用（`jiceng open311_key list` 列出全部）")
        open311_keys.revoke(None, client)
        self.stdout.write(self.style.SUCCESS(f"已停用接入应用 #{client.pk}“{client.name}”的 api_key"))
