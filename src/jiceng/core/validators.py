"""Identity and unit numbers, validated by python-stdnum (never hand-written checksums)."""

import datetime
import re
import unicodedata

from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric, uscc

from .errors import DomainError


def normalize(value):
    """Full-width to half-width, spaces dropped, upper case (x → X)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or ""))).upper()


def validate_id_number(value, field="id_number"):
    number = normalize(value)
    if not number:
        raise DomainError("id_number_required", "请填写身份证号码", field)
    try:
        ric.validate(number)
    except stdnum_errors.InvalidLength:
        raise DomainError("id_number_invalid_length", f"身份证号码应为18位，当前为{len(number)}位", field) from None
    except stdnum_errors.InvalidChecksum:
        raise DomainError("id_number_invalid_checksum", "身份证号码校验位不正确，请核对最后一位", field) from None
    except stdnum_errors.InvalidComponent:
        try:
            ric.get_birth_date(number)
        except stdnum_errors.InvalidComponent:
            raise DomainError("id_number_invalid_birth_date", "身份证号码中的出生日期无效", field) from None
        # python-stdnum also wants the county code to have existed in the birth year, but
        # numbers were issued from 1984 on with the codes of that time (安吉县 330523 dates
        # from 1983 and its residents born in 1970 carry it), so any known code is accepted.
        if not _known_region(number[:6]):
            raise DomainError("id_number_invalid_region",
                              f"身份证号码前6位 {number[:6]} 不是有效的行政区划代码", field) from None
    except stdnum_errors.ValidationError:
        raise DomainError("id_number_invalid", "身份证号码格式不正确", field) from None
    if ric.get_birth_date(number) > datetime.date.today():
        raise DomainError("id_number_invalid_birth_date", "身份证号码中的出生日期晚于今天", field)
    return number


def _known_region(code):
    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


def id_birth_date(number):
    """The birth date in digits 7–14 of a normalized number (GB 11643); ValueError if it is
    no date. Read directly, not through python-stdnum's get_birth_date, which cleans the
    number again: a roster import asks this three times a row."""
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_gender(number):
    """GB 11643: the 17th digit is odd for men, even for women."""
    return "M" if int(number[16]) % 2 else "F"


def validate_uscc(value, field="uscc"):
    code = normalize(value)
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidLength:
        raise DomainError("uscc_invalid_length", f"统一社会信用代码应为18位，当前为{len(code)}位", field) from None
    except stdnum_errors.InvalidChecksum:
        raise DomainError("uscc_invalid_checksum", "统一社会信用代码校验位不正确", field) from None
    except stdnum_errors.ValidationError:
        raise DomainError("uscc_invalid", "统一社会信用代码格式不正确", field) from None


def validate_phone(value, field="phone"):
    phone = normalize(value)
    if not re.fullmatch(r"1[3-9]\d{9}", phone):
        raise DomainError("phone_invalid", "手机号码应为以1开头的11位数字", field)
    return phone
