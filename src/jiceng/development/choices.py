"""The steps of a development case (发展党员), in the order they are normally taken."""

STEPS = [
    ("apply", "递交入党申请书"),
    ("talk", "派人谈话"),
    ("activist", "确定为入党积极分子"),
    ("review", "入党积极分子考察"),
    ("candidate", "确定为发展对象"),
    ("sponsors", "确定入党介绍人"),
    ("political_review", "政治审查"),
    ("training", "短期集中培训"),
    ("assembly", "支部大会讨论接收"),
    ("approval", "上级党委审批"),
    ("oath", "入党宣誓"),
    ("convert", "转为正式党员"),
    ("extend", "延长预备期"),
    ("cancel", "取消预备党员资格"),
]
STEP_LABELS = dict(STEPS)
# Steps a secretary records from a form (the application opens the case).
FORM_STEPS = [key for key, _ in STEPS if key != "apply"]
# Decisions of the branch general assembly: each carries a vote with its quorum.
VOTED = {"assembly", "convert", "extend", "cancel"}

OUTCOMES = [("full", "已转为正式党员"), ("cancelled", "已取消预备党员资格")]
