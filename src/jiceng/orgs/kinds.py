"""Kinds of node, sectors, and which kind may sit under which."""

KINDS = [
    ("province", "省"),
    ("city", "市"),
    ("county", "县（区）"),
    ("street", "街道"),
    ("township", "乡镇"),
    ("community", "社区"),
    ("village", "村"),
    ("grid", "网格"),
    ("department", "职能部门"),
    ("unit", "单位"),
    ("committee", "党委"),
    ("working_committee", "党工委"),
    ("general_branch", "党总支"),
    ("branch", "党支部"),
    ("joint_branch", "联合党支部"),
    ("group", "党小组"),
]
KIND_LABELS = dict(KINDS)

PARTY_KINDS = {"committee", "working_committee", "general_branch", "branch", "joint_branch", "group"}
# Membership is held by a branch; a group (党小组) organizes members of its branch.
MEMBER_HOLDING_KINDS = {"branch", "joint_branch"}
BRANCH_KINDS = MEMBER_HOLDING_KINDS

_AREA_PARENTS = {"province", "city", "county"}
_GOVERNING = _AREA_PARENTS | {"street", "township", "community", "village", "department", "unit",
                              "committee", "working_committee", "general_branch"}
ALLOWED_PARENTS = {
    "province": {None},
    "city": {"province", None},
    "county": {"city", "province", None},
    "street": {"county", "city"},
    "township": {"county"},
    "community": {"street", "township"},
    "village": {"township", "street"},
    "grid": {"community", "village"},
    "department": _AREA_PARENTS | {"street", "township"},
    "unit": _GOVERNING,
    "committee": _GOVERNING | {None},
    "working_committee": _GOVERNING,
    "general_branch": _GOVERNING,
    "branch": _GOVERNING | {"grid"},
    "joint_branch": _GOVERNING,
    "group": {"branch", "joint_branch"},
}

SECTORS = [
    ("rural", "农村"),
    ("urban_community", "城市社区"),
    ("agency", "机关"),
    ("public_institution", "事业单位"),
    ("soe", "国有企业"),
    ("non_public_enterprise", "非公有制企业"),
    ("social_organization", "社会组织"),
    ("school", "学校"),
    ("other", "其他"),
]
SECTOR_LABELS = dict(SECTORS)

POST_TITLES = [("secretary", "书记"), ("deputy_secretary", "副书记"), ("member", "委员")]
