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

# A lighter procedure for matters outside the policy's mandatory list and under its amount.
LIGHT_NAME = "一般事项（两委商议、决议公开）"
LIGHT_STEPS = [
    {"order": 1, "label": "两委联席会议商议", "bodies": "two_committees", "on_fail": "end"},
    {"order": 2, "label": "决议公开", "bodies": "board", "discloses": "resolution"},
]


def missing_steps(steps):
    """The labels of the default steps that `steps` (a template's, in order) does not cover. Each default
    step needs its own template step, in the same order, taken only by bodies the default step allows
    and disclosing the same; extra steps in between are allowed (a stricter procedure still qualifies)."""
    missing, i = [], 0
    for wanted in DEFAULT_STEPS:
        bodies, discloses = set(wanted["bodies"].split(",")), wanted.get("discloses", "")
        found = next((j for j in range(i, len(steps))
                      if set(steps[j].body_codes) <= bodies and (steps[j].discloses or "") == discloses), None)
        if found is None:
            missing.append(wanted["label"])
        else:
            i = found + 1
    return missing
