"""Dues for each bracket against a table worked out by hand:
   amount = income × the rate of the bracket the WHOLE income falls in, rounded half up to the fen.
"""

import datetime
from decimal import Decimal

import pytest

from jiceng.dues.rates import Rule

ON = datetime.date(2026, 3, 1)

# income, rate, dues — each line computed by hand
IN_SERVICE = [
    ("0", "0.005", "0.00"),
    ("1000", "0.005", "5.00"),          # 1000 × 0.5% = 5
    ("2999.99", "0.005", "15.00"),      # 14.99995 → 15.00 (half up)
    ("3000", "0.005", "15.00"),         # 3000 is in the first bracket (含3000)
    ("3000.01", "0.01", "30.00"),       # 30.0001 → 30.00
    ("4321", "0.01", "43.21"),
    ("5000", "0.01", "50.00"),          # 5000 is in the second bracket (含5000)
    ("5000.01", "0.015", "75.00"),      # 75.00015 → 75.00
    ("5400", "0.015", "81.00"),         # the regulation's example: 5400 → 81 元
    ("6789", "0.015", "101.84"),        # 101.835 → 101.84 (half up, not to even)
    ("10000", "0.015", "150.00"),       # 10000 is in the third bracket (含10000)
    ("10000.01", "0.02", "200.00"),     # 200.0002 → 200.00
    ("12345.67", "0.02", "246.91"),     # 246.9134 → 246.91
]
RETIRED = [
    ("3000", "0.005", "15.00"),
    ("4999", "0.005", "25.00"),         # 24.995 → 25.00 (half up)
    ("5000", "0.005", "25.00"),         # 含5000
    ("5000.01", "0.01", "50.00"),
    ("6200", "0.01", "62.00"),
]


@pytest.mark.parametrize("income, rate, due", IN_SERVICE)
def test_in_service_brackets(income, rate, due):
    d = Rule(ON).due("in_service", Decimal(income))
    assert (d.base, d.rate, d.due) == (Decimal(income), Decimal(rate), Decimal(due))


@pytest.mark.parametrize("income, rate, due", RETIRED)
def test_retired_brackets(income, rate, due):
    d = Rule(ON).due("retired", Decimal(income))
    assert (d.rate, d.due) == (Decimal(rate), Decimal(due))


@pytest.mark.parametrize("category, flat, due", [
    ("rural", None, "0.20"), ("rural", "0.5", "0.50"), ("rural", "1", "1.00"),
    ("student", None, "0.20"), ("laid_off", None, "0.20"), ("subsistence", None, "0.20"),
])
def test_flat_categories(category, flat, due):
    d = Rule(ON).due(category, None, None if flat is None else Decimal(flat))
    assert (d.base, d.rate, d.due) == (None, None, Decimal(due))


def test_before_the_regulation_there_is_no_rule():
    from jiceng.core.policy import PolicyError

    with pytest.raises(PolicyError):
        Rule(datetime.date(2000, 1, 1))
