import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Serve the web UI (PORT, default 8000; HOST, default 127.0.0.1): one waitress process, or "
            "with --workers N > 1 N gunicorn processes (Linux and macOS), which a busy deployment needs: "
            "one Python process runs on one CPU at a time.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8, help="threads per process")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")),
                            help="processes (gunicorn) when more than 1")

    def handle(self, *args, host, port, threads, workers, **options):
        from jiceng.wsgi import application

        self.stdout.write(f"Jiceng at http://{host}:{port}/  (database: {settings.DATABASES['default']['NAME']}, "
                          f"{workers} process(es) × {threads} threads)")
        if workers > 1:
            self._gunicorn(application, f"{host}:{port}", workers, threads)
        else:
            from waitress import serve

            serve(application, host=host, port=port, threads=threads, ident="jiceng")

    @staticmethod
    def _gunicorn(application, bind, workers, threads):
        try:
            from gunicorn.app.base import BaseApplication
        except ImportError as error:  # Windows: gunicorn needs fork()
            raise CommandError("--workers 需要 gunicorn（仅 Linux/macOS）；Windows 上请用单进程：去掉 --workers") from error

        class Server(BaseApplication):
            def load_config(self):
                for key, value in {"bind": bind, "workers": workers, "threads": threads,
                                   "worker_class": "gthread", "accesslog": None}.items():
                    self.cfg.set(key, value)

            def load(self):
                return application

        Server().run()
