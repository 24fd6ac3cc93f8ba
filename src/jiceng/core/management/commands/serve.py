import os

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web UI with waitress (PORT, default 8000; HOST, default 127.0.0.1)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from jiceng.wsgi import application

        self.stdout.write(f"Jiceng at http://{host}:{port}/  (database: {settings.DATABASES['default']['NAME']})")
        serve(application, host=host, port=port, threads=threads, ident="jiceng")
