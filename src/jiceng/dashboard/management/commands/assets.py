from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiceng.dashboard import assets


class Command(BaseCommand):
    help = (f"Fetch front-end files served locally (ECharts {assets.ECHARTS_VERSION} from the npm registry, "
            "sha512-checked) into the gitignored static/vendor/ directory. Does nothing when already there.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", help="a downloaded echarts tarball (offline machines)")
        parser.add_argument("--force", action="store_true", help="fetch again even when installed")

    def handle(self, *args, source=None, force=False, **options):
        if assets.installed() and not force:
            self.stdout.write(f"ECharts {assets.ECHARTS_VERSION} already in {assets.echarts_dir()}")
            return
        try:
            data = Path(source).read_bytes() if source else assets.fetch()
            target = assets.install(data)
        except (assets.AssetError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"ECharts {assets.ECHARTS_VERSION} installed in {target}"))
