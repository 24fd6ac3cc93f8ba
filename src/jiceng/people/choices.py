GENDERS = [("M", "男"), ("F", "女")]

STATUSES = [
    ("applicant", "入党申请人"),
    ("activist", "入党积极分子"),
    ("candidate", "发展对象"),
    ("probationary", "预备党员"),
    ("full", "正式党员"),
    ("left", "已离开（出党、去世或转出系统）"),
]
STATUS_LABELS = dict(STATUSES)
PARTY_MEMBER_STATUSES = {"probationary", "full"}

EDUCATION = [
    ("postgraduate", "研究生"),
    ("undergraduate", "大学本科"),
    ("college", "大学专科"),
    ("secondary", "中专"),
    ("high_school", "高中"),
    ("middle_school", "初中及以下"),
]

# GB 3304 names of China's 56 ethnic groups.
ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族",
    "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族",
    "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族",
    "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族",
    "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]
ETHNICITY_CHOICES = [(e, e) for e in ETHNICITIES]
