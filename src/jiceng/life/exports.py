"""The meeting book of a branch for a year (PDF) and a subtree's compliance table (xlsx)."""

from jiceng.core import pdf, xlsx

from .choices import KIND_LABELS, PRESENT
from .models import Meeting


def meeting_book_pdf(branch, year):
    title = f"{branch.name} {year}年组织生活记录本"
    meetings = (Meeting.objects.filter(org=branch, status=Meeting.HELD, held_on__year=year).order_by("held_on", "id")
                .select_related("host", "recorder", "group").prefetch_related("attendance__person", "votes",
                                                                               "amendments"))
    story = [pdf.para(title, pdf.TITLE), pdf.para(f"共 {len(meetings)} 次会议记录")]
    for m in meetings:
        present = [a.person.name for a in m.attendance.all() if a.status == PRESENT]
        absent = [f"{a.person.name}（{a.get_status_display()}）" for a in m.attendance.all() if a.status != PRESENT]
        rows = [
            ("时间", f"{m.held_on:%Y年%m月%d日}" + (f" {m.starts_at:%H:%M}" if m.starts_at else "")),
            ("地点", m.place), ("主持人", m.host.name if m.host else ""),
            ("记录人", m.recorder.name if m.recorder else ""),
            ("出席", f"应到 {len(present) + len(absent)} 人，实到 {len(present)} 人：{'、'.join(present)}"),
            ("缺席", "、".join(absent) or "无"),
            ("议程", m.agenda), ("会议记录", m.minutes), ("决定事项", m.decisions),
        ]
        rows += [("表决", f"{v.motion}：赞成 {v.yes}，反对 {v.no}，弃权 {v.abstain}；"
                         f"应到有表决权 {v.entitled} 人，实到 {v.present_voting} 人；{'通过' if v.passed else '未通过'}")
                 for v in m.votes.all()]
        rows += [("补正", f"{a.at:%Y-%m-%d} {a.reason}") for a in m.amendments.all()]
        kind = m.get_kind_display() + (f"（{m.group.name}）" if m.group else "")
        story += [pdf.para(f"{kind}：{m.topic}", pdf.HEADING), pdf.key_value_table(rows)]
    return pdf.render(story, title)


def compliance_xlsx(org, report, followups):
    kinds = [(KIND_LABELS[k], met, owed, round(met / owed, 4) if owed else None)
             for k, (met, owed) in report.by_kind.items()]
    return xlsx.workbook([
        ("按类型", ["类型", "达标（支部·期）", "应开（支部·期）", "达标率"], kinds),
        ("按月", ["月份", "达标", "应开", "达标率"],
         [(m, met, owed, round(met / owed, 4) if owed else None) for m, met, owed in report.by_month]),
        ("未达标", ["党支部", "类型", "期间", "实开", "应开", "说明"],
         [(s.branch.name, KIND_LABELS[s.kind], s.period, s.held, s.required, s.message) for s in report.shortfalls]),
        ("需跟进", ["姓名", "党支部", "最近一次"],
         [(p.name, p.membership.org.name if hasattr(p, "membership") else "", last) for p, last in followups]),
    ])
