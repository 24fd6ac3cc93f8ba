import sys
import time

from django.core.management.base import BaseCommand, CommandError

from jiceng.core.errors import DomainError
from jiceng.exchange import imports, report
from jiceng.exchange.rosters import KIND_NAMES
from jiceng.orgs.models import Organization


class Command(BaseCommand):
    help = ("Import a roster (党员花名册 or 组织名册, xlsx or csv) under an organization: a preview by "
            "default (the row-by-row report and what would be created, updated and skipped); --commit "
            "writes it, all or nothing, in one transaction.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", type=int, required=True, help="the organization the roster belongs under")
        parser.add_argument("--kind", choices=sorted(KIND_NAMES), default="members")
        parser.add_argument("--commit", action="store_true", help="write the rows (default: preview only)")
        parser.add_argument("--skip-invalid", action="store_true", help="commit the good rows, skip the bad ones")
        parser.add_argument("--report", help="write the row-by-row report to this xlsx file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, file, org, kind, commit, skip_invalid, report=None, no_progress=False, **options):
        node = Organization.objects.filter(pk=org).first()
        if node is None:
            raise CommandError(f"组织 {org} 不存在")
        bar = None if no_progress else Bar(sys.stderr)
        try:
            outcome = imports.run(None, node, kind, file, commit=False, progress=bar and bar.phase("检查"))
            self._summary(outcome, "预览")
            if report:
                with open(report, "wb") as fh:
                    fh.write(_report_bytes(outcome))
            if commit:
                outcome = imports.run(None, node, kind, file, commit=True, skip_invalid=skip_invalid,
                                      progress=bar and bar.phase("写入"))
                self._summary(outcome, "已导入")
        except DomainError as error:
            raise CommandError(error.message) from None

    def _summary(self, outcome, title):
        c = outcome.counts
        self.stdout.write(f"{title}：{outcome.rows} 行；新增 {c['create']}，更新 {c['update']}，无变化 {c['unchanged']}，"
                          f"跳过 {c['skip']}")
        if title == "预览":
            pairs = "，".join(f"{h}→{k}" for k, h in outcome.mapping.items())
            self.stdout.write(f"表头在第 {outcome.header_row} 行；{pairs}")
            if outcome.unmapped:
                self.stdout.write("未导入的列：" + "、".join(outcome.unmapped))
            for p in outcome.problems[:20]:
                hint = f"（{p.suggestion}）" if p.suggestion else ""
                self.stdout.write(f"  第 {p.row} 行 {p.column}“{p.value}”：{p.reason}{hint}")
            if len(outcome.problems) > 20:
                self.stdout.write(f"  …… 共 {len(outcome.problems)} 处错误（--report 可导出全部）")


def _report_bytes(outcome):
    return report.workbook(outcome.problems)


class Bar:
    """A progress bar on the terminal: phase, percent, rows and rows per second."""

    def __init__(self, stream):
        self.stream = stream

    def phase(self, name):
        start, last = time.monotonic(), [0.0]

        def show(done, total):
            now = time.monotonic()
            if now - last[0] < 0.2 and done < total:
                return
            last[0] = now
            share = done / total if total else 0
            rate = done / max(now - start, 1e-6)
            self.stream.write(f"\r{name} [{'#' * int(share * 30):<30}] {share:4.0%} {done:,}/{total:,} 行 "
                              f"{rate:,.0f} 行/秒")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        return show
