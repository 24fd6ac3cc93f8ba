"""四议两公开 as data: the default template's steps. A failed vote at the two committees or the
party members' assembly returns the matter to the proposal; a failed villagers' vote ends it."""

DEFAULT_NAME = "四议两公开"
DEFAULT_STEPS = [
    {"order": 1, "label": "村党组织提议", "bodies": "party_org"},
    {"order": 2, "label": "两委联席会议商议", "bodies": "two_committees", "on_fail": "return", "return_to": 1},
    {"order": 3, "label": "党员大会审议", "bodies": "party_assembly", "on_fail": "return", "return_to": 1},
    {"order": 4, "label": "村民会议或村民代表会议决议", "bodies": "villagers_assembly,representatives_assembly",
     "on_fail": "end"},
    {"order": 5, "label": "决议公开", "bodies": "board", "discloses": "resolution"},
    {"order": 6, "label": "实施结果公开", "bodies": "board", "discloses": "result"},
]
