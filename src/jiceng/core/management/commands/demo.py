import datetime
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jiceng.demo import accounts
from jiceng.demo.loader import load
from jiceng.demo.shapes import SCALES
from jiceng.orgs.models import Organization


class Command(BaseCommand):
    help = "Migrate, load demo data (once; a second run reuses it), print the accounts, and optionally serve."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                            help="the date the data are generated around (default: today); with --seed, fixes every value")
        parser.add_argument("--serve", action="store_true", help="serve the web UI afterwards")

    def handle(self, *args, scale, seed, today, serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Organization.objects.exists():
            self.stdout.write("演示数据已存在，直接使用。(demo data already loaded; reusing it)")
        else:
            started = time.monotonic()
            stats = load(scale, seed=seed, today=today, progress=lambda m: self.stdout.write(f"  {m}") if options["verbosity"] > 1 else None)
            self.stdout.write(self.style.SUCCESS(
                f"已载入演示数据 {scale}: {stats.orgs} 个组织, {stats.people} 人, {stats.requests} 件群众诉求, "
                f"{stats.rollup_rows} 行汇总 ({time.monotonic() - started:.1f}s)"))
        rows = accounts.ensure_accounts()
        self.stdout.write("\n演示账号 (demo accounts) — 密码均为 / password for all: " + accounts.PASSWORD)
        for username, label, node in rows:
            self.stdout.write(f"  {username:<13} {label}  @ {node}")
        if serve:
            self.stdout.write("")
            call_command("serve")
