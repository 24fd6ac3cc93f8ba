# Dues categories: how a member's monthly dues are worked out (policies/dues.toml).
IN_SERVICE, RETIRED, RURAL = "in_service", "retired", "rural"
CATEGORIES = [
    (IN_SERVICE, "在职党员（按月税后工资收入）"),
    (RETIRED, "离退休党员（按月离退休费）"),
    (RURAL, "农民党员（定额）"),
    ("student", "学生党员（定额）"),
    ("laid_off", "下岗失业党员（定额）"),
    ("subsistence", "享受最低生活保障的党员（定额）"),
]
CATEGORY_LABELS = dict(CATEGORIES)
BY_INCOME = {IN_SERVICE: "in_service_brackets", RETIRED: "retired_brackets"}  # category -> policy key

REDUCE, EXEMPT = "reduce", "exempt"
REDUCTION_KINDS = [(REDUCE, "减交"), (EXEMPT, "免交")]
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
REDUCTION_STATUSES = [(PENDING, "待上级批准"), (APPROVED, "已批准"), (REJECTED, "未批准")]

CASH, TRANSFER, ONLINE = "cash", "transfer", "online"
METHODS = [(CASH, "现金"), (TRANSFER, "转账"), (ONLINE, "在线支付")]
BRANCH_METHODS = [(CASH, "现金"), (TRANSFER, "转账")]  # what a branch records by hand
STARTED, CONFIRMED = "started", "confirmed"
PAYMENT_STATUSES = [(STARTED, "待确认"), (CONFIRMED, "已到账")]
