"""How big each demo scale is. A county's shape is sized so that the national scale comes
to about 1 M organizations and 10 M members (≈2,800 counties × ≈370 nodes × ≈3,600 people)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class CountyShape:
    streets: int            # 街道 (urban)
    townships: int          # 乡镇 (rural)
    units_per_street: int   # 社区 / 村 under each
    grids_per_unit: int
    branches_per_unit: int
    groups_per_branch: int
    departments: int        # 职能部门, each with an agency branch
    enterprises: int        # 非公企业 under the 两新工委, each with a branch
    members_per_branch: int  # mean; the spread keeps some branches under 3 and some over 50
    requests: int           # residents' requests (接诉即办) over the last four months


SMALL = CountyShape(streets=2, townships=1, units_per_street=3, grids_per_unit=2, branches_per_unit=2,
                    groups_per_branch=2, departments=4, enterprises=3, members_per_branch=25, requests=80)
STANDARD = CountyShape(streets=4, townships=4, units_per_street=6, grids_per_unit=1, branches_per_unit=2,
                       groups_per_branch=1, departments=10, enterprises=20, members_per_branch=28, requests=400)

# scale -> (provinces, cities per province, counties per city, shape); None = all of them
SCALES = {
    "small": (["33"], ["3305"], ["330523"], SMALL),
    "county": (["33"], ["3305"], ["330523"], STANDARD),
    "city": (["33"], ["3305"], None, STANDARD),
    "province": (["33"], None, None, STANDARD),
    "national": (None, None, None, STANDARD),
}
