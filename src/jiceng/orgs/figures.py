"""Turn rollup keys into the tables an organization page shows."""

from django.utils import timezone

from jiceng.people.choices import GENDERS, STATUSES

from .kinds import KIND_LABELS, SECTOR_LABELS

# Age bands of the yearly party statistics, by age reached in the current year.
AGE_BANDS = [(0, 30, "30岁及以下"), (31, 35, "31–35岁"), (36, 40, "36–40岁"), (41, 45, "41–45岁"),
             (46, 50, "46–50岁"), (51, 55, "51–55岁"), (56, 60, "56–60岁"), (61, 200, "61岁及以上")]


def _family(counts, prefix, labels):
    rows = [(labels.get(k[len(prefix):], k[len(prefix):]), v) for k, v in counts.items() if k.startswith(prefix)]
    return sorted(rows, key=lambda r: -r[1])


def tables(counts, year=None):
    year = year or timezone.localdate().year
    status = [(label, counts.get(f"status:{key}", 0)) for key, label in STATUSES if key != "left"]
    ages = [0] * len(AGE_BANDS)
    for key, n in counts.items():
        if key.startswith("birth_year:"):
            age = year - int(key.split(":")[1])
            for i, (lo, hi, _) in enumerate(AGE_BANDS):
                if lo <= age <= hi:
                    ages[i] += n
    return {
        "party_members": counts.get("status:full", 0) + counts.get("status:probationary", 0),
        "status": status,
        "gender": [(label, counts.get(f"gender:{key}", 0)) for key, label in GENDERS],
        "sector": _family(counts, "sector:", SECTOR_LABELS),
        "age": [(label, n) for (_, _, label), n in zip(AGE_BANDS, ages)],
        "kind": _family(counts, "kind:", KIND_LABELS),
        "org_sector": _family(counts, "org_sector:", SECTOR_LABELS),
    }
