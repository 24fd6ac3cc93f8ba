"""Headers and values as people write them: synonyms, full-width digits, dates in every form.

A parser takes a cell's value and returns the clean value, or raises Bad(reason, suggestion).
"""

import datetime
import re
import unicodedata

from django.utils import timezone

from jiceng.core.errors import DomainError
from jiceng.core.validators import _known_region, id_birth_date, validate_id_number, validate_phone
from jiceng.people.choices import EDUCATION, ETHNICITIES, STATUS_LABELS
from stdnum.cn import ric


class Bad(Exception):
    def __init__(self, reason, suggestion=""):
        super().__init__(reason)
        self.reason, self.suggestion = reason, suggestion


def clean_header(value):
    """全角/半角, spaces, a leading * (required mark), a trailing colon and anything in
    brackets go: "出生年月（年.月）" and "＊姓 名：" name the same columns as 出生年月 and 姓名."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)
    return text.strip("*:#")


def map_header(cells, synonyms):
    """({field: column}, [(column, header) unmapped]) for one header row. The first column
    a field's synonym names wins; a second one is listed as unmapped."""
    lookup = {clean_header(s): field for field, names in synonyms.items() for s in names}
    mapping, unmapped = {}, []
    for col, cell in enumerate(cells):
        header = clean_header(cell)
        if not header:
            continue
        field = lookup.get(header)
        if field and field not in mapping:
            mapping[field] = col
        else:
            unmapped.append((col, str(cell).strip()))
    return mapping, unmapped


def find_header(head_rows, synonyms):
    """The row (of the first few) that names the most fields: titles above it are skipped."""
    best = None
    for number, cells in head_rows:
        mapping, unmapped = map_header(cells, synonyms)
        if len(mapping) >= 2 and (best is None or len(mapping) > len(best[1])):
            best = (number, mapping, unmapped)
    return best


def text(value):
    """Full-width letters, digits and spaces made half-width; runs of spaces made one."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())  # split(): where \s+ matches


_CJK_SPACES = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def name(value):
    """A name padded to line up (张　三) loses its spaces; 阿依古丽·买买提 keeps its dot."""
    return _CJK_SPACES.sub("", text(value))


GENDERS = {"男": "M", "男性": "M", "M": "M", "女": "F", "女性": "F", "F": "F"}


def gender(value):
    v = text(value).upper()
    if v not in GENDERS:
        raise Bad(f"无法识别的性别“{v}”", "填写“男”或“女”")
    return GENDERS[v]


def ethnicity(value):
    v = text(value).replace(" ", "")
    for candidate in (v, v + "族"):
        if candidate in ETHNICITIES:
            return candidate
    raise Bad(f"无法识别的民族“{v}”", "填写民族全称，如“汉族”“回族”")


_EDUCATION_WORDS = {label: code for code, label in EDUCATION} | {
    "博士": "postgraduate", "博士研究生": "postgraduate", "硕士": "postgraduate", "硕士研究生": "postgraduate",
    "研究生及以上": "postgraduate", "本科": "undergraduate", "大学": "undergraduate", "大专": "college",
    "专科": "college", "高职": "college", "中技": "secondary", "中等专科": "secondary", "技校": "secondary",
    "职高": "high_school", "初中": "middle_school", "小学": "middle_school", "小学及以下": "middle_school",
}


def education(value):
    v = text(value).replace(" ", "")
    if v not in _EDUCATION_WORDS:
        raise Bad(f"无法识别的学历“{v}”", "填写 " + "、".join(label for _, label in EDUCATION) + " 之一")
    return _EDUCATION_WORDS[v]


_STATUS_WORDS = {label: code for code, label in STATUS_LABELS.items() if code != "left"} | {
    "正式": "full", "党员": "full", "预备": "probationary", "积极分子": "activist", "申请人": "applicant",
}


def status(value):
    v = text(value).replace(" ", "")
    if v not in _STATUS_WORDS:
        raise Bad(f"无法识别的人员类别“{v}”", "填写 正式党员、预备党员、发展对象、入党积极分子、入党申请人 之一")
    return _STATUS_WORDS[v]


EXCEL_EPOCH = datetime.date(1899, 12, 30)
_YMD = re.compile(r"(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:[.\-/月]\s*(\d{1,2})\s*日?|月)?")
_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})?")


def date(value):
    """(date, month_only): 1985.03, 1985年3月, 1985-3-1, 1985/03/01, 19850301, 198503, an Excel
    serial (a date cell) or a real date. A month alone stands for its first day."""
    if isinstance(value, datetime.datetime):
        return value.date(), False
    if isinstance(value, datetime.date):
        return value, False
    if isinstance(value, float) and not value.is_integer():
        if 1900 < value < 2100:  # 1985.03 typed into a number cell
            hundredths = round(value * 100)
            if hundredths % 10 == 0:
                raise Bad(f"日期“{value}”有歧义（{int(value)}年{hundredths % 100 // 10}月还是{hundredths % 100}月？）",
                          "将该列设为文本，或写成 1985-10 这样的形式")
            return _make(int(value), hundredths % 100, None, value)
        if 0 < value < 2958466:  # a serial with a time of day
            return EXCEL_EPOCH + datetime.timedelta(days=int(value)), False
    if isinstance(value, (int, float)):
        n = int(value)
        if 19000101 <= n <= 21001231 or 190001 <= n <= 210012:
            value = str(n)
        elif 1 <= n < 2958466 and not 1900 <= n <= 2100:
            return EXCEL_EPOCH + datetime.timedelta(days=n), False
    v = text(value)
    if not v:
        raise Bad("日期为空", "填写日期，如 1985-03-01 或 1985.03")
    m = _YMD.fullmatch(v) or _DIGITS.fullmatch(v)
    if not m:
        if re.fullmatch(r"\d{4}年?", v):
            raise Bad(f"日期“{v}”只有年份", "写到月份，如 1985.03 或 1985年3月")
        raise Bad(f"无法识别的日期“{v}”", "写成 1985-03-01、1985.03 或 1985年3月")
    return _make(int(m.group(1)), int(m.group(2)), m.group(3) and int(m.group(3)), v)


def _make(year, month, day, shown):
    try:
        return datetime.date(year, month, day or 1), day is None
    except ValueError:
        raise Bad(f"日期“{shown}”不存在", "核对年、月、日") from None


_REGIONS = {}


def id_number(value):
    """A valid ID-card number (python-stdnum cn.ric through core.validators). A number the
    sheet kept as a number is taken if its digits are whole; x becomes X."""
    number = unicodedata.normalize("NFKC", str(value or "")).replace(" ", "").strip().upper()
    if isinstance(value, float) or re.fullmatch(r"\d(\.\d+)?E\+?17", number):
        # Kept as a number: a spreadsheet holds 15 to 17 significant digits, so only a number
        # that still validates kept all of its 18.
        try:
            return id_number(str(int(float(number))))
        except (Bad, ValueError):
            raise Bad("身份证号码以数值格式保存，末几位已丢失精度", "将该列设为文本格式后重新填写身份证号码") from None
    # Fast path for the common case, by python-stdnum's own parts; anything it does not
    # accept goes through the full validator, which says exactly what is wrong.
    if len(number) == 18 and number[:17].isdigit() and number[17] == ric.calc_check_digit(number):
        region = number[:6]
        if region not in _REGIONS:
            _REGIONS[region] = _known_region(region)
        try:
            born = id_birth_date(number)
        except ValueError:  # no such day: the validator below says so
            born = None
        if _REGIONS[region] and born and born <= _today():
            return number
    try:
        return validate_id_number(number)
    except DomainError as e:
        raise Bad(e.message, "核对身份证号码") from None


def _today():
    """timezone.localdate() in the default time zone, without its per-call context lookups
    (this runs once a row)."""
    return timezone.now().astimezone(timezone.get_default_timezone()).date()


def phone(value):
    try:
        return validate_phone(text(value))
    except DomainError as e:
        raise Bad(e.message, "填写11位手机号码") from None


def required_text(value):
    v = name(value)
    if not v:
        raise Bad("不能为空", "")
    return v
