MEETING_KINDS = [
    ("general_assembly", "支部党员大会"),
    ("committee_meeting", "支部委员会"),
    ("group_meeting", "党小组会"),
    ("lecture", "党课"),
    ("themed_day", "主题党日"),
    ("life_meeting", "组织生活会"),
    ("member_review", "民主评议党员"),
]
KIND_LABELS = dict(MEETING_KINDS, talk="谈心谈话")

PRESENT = "present"
UNEXCUSED = "absent_unexcused"
ATTENDANCE = [
    (PRESENT, "出席"),
    ("absent_sick", "病假"),
    ("absent_work", "因公"),
    ("absent_other", "其他事假"),
    (UNEXCUSED, "无故缺席"),
]
ATTENDANCE_LABELS = dict(ATTENDANCE)
