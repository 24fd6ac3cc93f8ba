"""Fixed vocabularies of residents' requests (接诉即办). Categories and their SLAs are policy
(policies/requests.toml), not here."""

WEB, WECHAT, OPEN311, STAFF = "web", "wechat", "open311", "staff"
CHANNELS = [(WEB, "网页（H5）"), (WECHAT, "微信公众号"), (OPEN311, "Open311 接口"), (STAFF, "工作人员代录")]

# triage: stored but not routed (no location, routing failed); waits for a dispatcher.
TRIAGE, ASSIGNED, ACCEPTED, RESOLVED, MERGED = "triage", "assigned", "accepted", "resolved", "merged"
STATUSES = [(TRIAGE, "待分派"), (ASSIGNED, "待受理"), (ACCEPTED, "办理中"), (RESOLVED, "已办结"),
            (MERGED, "已合并")]
OPEN_STATUSES = {TRIAGE, ASSIGNED, ACCEPTED}

SATISFIED, BASIC, DISSATISFIED = "satisfied", "basic", "dissatisfied"
RATINGS = [(SATISFIED, "满意"), (BASIC, "基本满意"), (DISSATISFIED, "不满意")]

EVENTS = [
    ("submitted", "提交诉求"), ("routed", "派单"), ("triaged", "待人工分派"), ("dispatched", "人工派单"),
    ("accepted", "受理"), ("note", "办理进展"), ("help", "请求协助"), ("escalated", "超时上提"),
    ("summoned", "吹哨"), ("summons_accepted", "部门报到"), ("summons_reported", "部门反馈"),
    ("resolved", "办结"), ("rated", "评价"), ("merged", "合并"),
]
EVENT_LABELS = dict(EVENTS)

PHOTO_INTAKE, PHOTO_RESULT = "intake", "result"
