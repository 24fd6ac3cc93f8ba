"""`jiceng report --org <id> --year YYYY -o file.xlsx`: the statistics workbook of a node."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiceng.core.errors import DomainError
from jiceng.orgs.models import Organization
from jiceng.reports import checks, figures, pages, workbook


class Command(BaseCommand):
    help = "党内统计：生成某组织某年度的统计报表（xlsx），并列出核对发现的不一致。"

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="组织 id")
        parser.add_argument("--year", default="", help="统计年度（默认上一年）")
        parser.add_argument("-o", "--output", help="输出文件（默认：<组织>-<年度>年党内统计.xlsx）")
        parser.add_argument("--base-url", default="", help="链接前缀，例如 https://jiceng.example.cn")

    def handle(self, *args, org, year, output, base_url, **options):
        node = Organization.objects.filter(pk=org).first()
        if node is None:
            raise CommandError(f"组织 {org} 不存在")
        try:
            year = pages.year_from(year, timezone.localdate())
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        report = figures.compute(node, year)
        movements = checks.flows(node, year)
        findings = checks.run(report, movements)
        path = Path(output or workbook.filename(node, year))
        path.write_bytes(workbook.render(report, movements, findings, base_url.rstrip("/")))
        for f in findings:
            self.stderr.write(f"核对：{f.table} {f.where}：{f.value}，应为 {f.expected}（{f.explanation}）")
        self.stdout.write(self.style.SUCCESS(
            f"{node.name} {year} 年党内统计已写入 {path}（年末党员 {movements.closing} 人，核对不一致 {len(findings)} 处）"))
