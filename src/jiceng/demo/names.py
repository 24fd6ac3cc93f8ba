"""Realistic zh_CN names, drawn from Faker's zh_CN lists with a seeded random.Random
(fast enough for millions of rows, and the same seed gives the same data)."""

import datetime

from faker.providers.company.zh_CN import Provider as CompanyNames
from faker.providers.person.zh_CN import Provider as PersonNames
from stdnum.cn import ric, uscc

SURNAMES = list(PersonNames.last_names)
SURNAME_WEIGHTS = list(PersonNames.last_names.values())
GIVEN_MALE = list(PersonNames.first_names_male)
GIVEN_FEMALE = list(PersonNames.first_names_female)
COMPANY_PREFIXES = list(CompanyNames.company_prefixes)
COMPANY_SUFFIXES = list(CompanyNames.company_suffixes) + ["制造有限公司", "物流有限公司", "食品有限公司", "建材有限公司"]

PLACE_WORDS = ["城关", "新华", "解放", "人民", "文化", "建设", "和平", "东风", "胜利", "朝阳", "青山", "白塔", "凤凰",
               "龙泉", "桃源", "金桥", "花园", "长乐", "永安", "清河", "南湖", "北门", "西园", "东湖", "滨江", "锦绣",
               "梅林", "竹林", "石桥", "杏坛", "双溪", "天荒", "孝丰", "鄣吴", "报福", "章村", "杭垓", "溪龙", "灵峰"]
DEPARTMENTS = ["住房和城乡建设局", "城市管理局", "市场监督管理局", "生态环境分局", "交通运输局", "水利局", "卫生健康局",
               "民政局", "公安局", "应急管理局", "自然资源和规划局", "农业农村局", "教育局", "人力资源和社会保障局"]
ORDINALS = "一二三四五六七八九十"
ETHNIC_MIX = [("汉族", 91.0), ("回族", 1.5), ("满族", 1.5), ("壮族", 1.5), ("苗族", 1.0), ("畲族", 1.5), ("土家族", 1.0),
              ("彝族", 1.0), ("蒙古族", 1.0)]
EDUCATION_MIX = [("postgraduate", 6), ("undergraduate", 32), ("college", 22), ("secondary", 8), ("high_school", 12),
                 ("middle_school", 20)]
WORKING = ["公务员", "事业单位人员", "企业管理人员", "专业技术人员", "工人", "农民", "个体经营者", "快递员", "网约车司机",
           "社区工作者"]


def occupation(rng, age):
    if age >= 60 or (age >= 55 and rng.random() < 0.5):
        return "离退休人员"
    if age <= 23 and rng.random() < 0.6:
        return "学生"
    return rng.choice(WORKING)


def ordinal(n):
    return ORDINALS[n - 1] if n <= 10 else str(n)


def person_name(rng, gender):
    surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.55 else "")
    return surname + given


def id_number(rng, region, birth, gender, used):
    """A valid 18-digit number (check digit from python-stdnum), unique within `used`."""
    stem = f"{region}{birth:%Y%m%d}"
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
        body = f"{stem}{seq:03d}"
        if body not in used:
            used.add(body)
            return body + ric.calc_check_digit(body + "0")


def phone(rng):
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def uscc_code(rng, region):
    body = f"91{region}" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)


def birth_date(rng, today, low=18, high=88):
    age = min(high, max(low, int(rng.triangular(low, high, 52))))
    return today - datetime.timedelta(days=age * 365 + rng.randrange(365))
