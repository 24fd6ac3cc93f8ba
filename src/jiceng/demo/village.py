"""四议两公开 for the demo: in every village `per_year` major matters a year for the current and
the previous year (`years`), in every state — just proposed, part-way, a vote failed (returned to the
proposal or ended), resolved and waiting to be posted, resolution posted and being carried out,
done with the result posted. Vote counts meet the policy's quorum (a failed vote misses the
majority, never the quorum); disclosures stay up at least the policy's days (most old ones
taken down after); residents asked on some (most answered); each village has a supervision
committee (users with a read-only grant) whose objections, answered or still open, sit where
the services would allow them. Written in bulk, a chunk of villages at a time, with primary
keys assigned here."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from jiceng.core import crypto, policy
from jiceng.core.models import Grant
from jiceng.orgs.models import Organization
from jiceng.village.models import VOTED, Disclosure, Matter, Objection, Question, StepRecord, Supervisor, TemplateStep
from jiceng.village.services import default_template

from . import names
from .rows import Batch, reset_sequences

# (index of the kind in village.major_matters, title, amount range in yuan or None)
TITLES = [
    (0, "{w}茶园承包经营方案", (80_000, 600_000)), (0, "村集体光伏发电项目立项", (300_000, 1_500_000)),
    (0, "闲置厂房出租招租", (50_000, 400_000)), (1, "{w}片区土地征收补偿款分配方案", (500_000, 3_000_000)),
    (2, "老村委会办公楼处置", (100_000, 800_000)), (3, "{w}组道路硬化工程", (120_000, 900_000)),
    (3, "村文化礼堂修缮", (60_000, 500_000)), (3, "农村生活污水管网改造", (200_000, 1_200_000)),
    (4, "{y}年度村级财务预算", (300_000, 2_000_000)), (5, "{y}年度宅基地使用方案", None),
    (6, "村规民约修订", None), (6, "垃圾分类积分兑换办法", (20_000, 60_000)),
]
QUESTIONS = [("这个项目什么时候开工？", "预计下月开工，具体时间另行张贴。"),
             ("钱是怎么分配的，能公布明细吗？", "明细已张贴在村委会公开栏，欢迎到村委会查阅。"),
             ("施工期间道路能正常通行吗？", "施工分段进行，保留单侧通行。"),
             ("我家没有收到通知，怎么参加表决？", "村民代表会议由各组代表参加，可向本组代表反映意见。"),
             ("资金从哪里来？", "资金来源为村集体经营收入和上级补助，明细见决议。")]
OBJECTIONS = [("会议记录未附签到表，请补齐后再进行下一步。", "已补齐签到表并存档。"),
              ("预算明细不清，请说明各项支出依据。", "已补充预算明细，附于会议记录后。"),
              ("公开内容未写明金额，请补充。", "已补充金额并重新张贴。")]
# state -> (steps taken, the step whose vote fails or None)
STATES = {"proposed": (1, None), "deliberated": (2, None), "reviewed": (3, None), "returned": (2, 2),
          "ended": (4, 4), "resolved": (4, None), "implementing": (5, None), "done": (6, None)}
THIS_YEAR = {"proposed": 1, "deliberated": 1, "reviewed": 1, "returned": 0.5, "ended": 0.5, "resolved": 1,
             "implementing": 2, "done": 3}
EARLIER = {"returned": 0.3, "ended": 1, "implementing": 1, "done": 8}
GAPS = {2: (3, 10), 3: (3, 10), 4: (5, 15), 5: (1, 4), 6: (30, 120)}  # days after the step before
SUPERVISORS = 3
CHUNK = 500  # villages per write


def _days(n):
    return datetime.timedelta(days=n)


def _vote(rng, body, passed):
    """(entitled, present, yes, no, abstain): the quorum always met, the majority only if `passed`."""
    low, high = {"two_committees": (5, 10), "party_assembly": (15, 60), "representatives_assembly": (25, 61),
                 "villagers_assembly": (400, 1500)}[body]
    entitled = rng.randrange(low, high)
    if body == "villagers_assembly":
        present = rng.randrange(entitled // 2 + 1, entitled * 4 // 5)
    elif body == "two_committees":
        present = entitled - rng.randrange(0, 2)
    else:
        present = entitled - rng.randrange(0, entitled // 4 + 1)
    yes = present - rng.randrange(0, present * 3 // 10 + 1) if passed else rng.randrange(present // 5, present // 2 + 1)
    no = rng.randrange(0, present - yes + 1)
    return entitled, present, yes, no, present - yes - no


class Writer:
    def __init__(self, seed, today, per_year, years):
        self.rng = random.Random(seed * 31 + 17)
        self.today, self.per_year, self.years = today, per_year, years
        self.User = get_user_model()
        self.batch = Batch(self.User, Grant, Supervisor, Matter, StepRecord, Disclosure, Question, Objection)
        self.add, self.flush = self.batch.add, self.batch.flush
        template = default_template()
        self.template = template
        self.steps = {s.order: s for s in template.steps.all()}
        self.password = make_password(None)  # unusable: an admin sets one to sign in as a supervisor
        self.stats = dict.fromkeys(STATES, 0)

    # -- one village ---------------------------------------------------------------------

    def village(self, v):
        rng, today = self.rng, self.today
        appointed = datetime.date(today.year - 1, 1, 1) - _days(rng.randrange(30, 700))
        committee = []
        for i in range(SUPERVISORS):
            name = names.person_name(rng, "M" if rng.random() < 0.6 else "F")
            user = self.add(self.User(username=f"jd_{v.pk}_{i + 1}", password=self.password, last_name=name[0],
                                      first_name=name[1:]))
            self.add(Grant(user_id=user.pk, node_id=v.pk, role="auditor"))
            self.add(Supervisor(village_id=v.pk, user_id=user.pk, appointed_on=appointed))
            committee.append(user.pk)
        for year in range(today.year - self.years + 1, today.year + 1):
            weights = THIS_YEAR if year == today.year else EARLIER
            kinds = policy.get("village.major_matters", on=datetime.date(year, 1, 1))
            # This year every state at least once (as far as the date allows), the rest drawn by weight.
            forced = list(STATES) if year == today.year else []
            for i in range(self.per_year):
                state = forced[i] if i < len(forced) else rng.choices(list(weights), list(weights.values()))[0]
                self.matter(v, year, kinds, state, committee, hold=i < len(forced) and state == "reviewed")

    def matter(self, v, year, kinds, state, committee, hold=False):
        rng, today = self.rng, self.today
        taken, fails = STATES[state]
        gaps = [rng.randrange(*GAPS[order]) for order in range(2, taken + 1)]
        first, last = datetime.date(year, 1, 2), min(datetime.date(year, 12, 31), today)
        latest = last - _days(sum(gaps))
        day = first + _days(rng.randrange((latest - first).days + 1)) if latest >= first else min(first, today)
        dates = [day]
        for gap in gaps:  # a matter proposed late in the year has not got as far yet
            if dates[-1] + _days(gap) > today:
                break
            dates.append(dates[-1] + _days(gap))
        taken = len(dates)
        fails = fails if fails and fails <= taken else None
        index, title, money = rng.choice(TITLES)
        title = title.format(w=rng.choice(names.PLACE_WORDS), y=year)
        amount = Decimal(rng.randrange(*money) // 100 * 100) if money else None
        m = self.add(Matter(village_id=v.pk, template_id=self.template.pk, title=title, kind=kinds[index],
                            amount=amount, description=f"{title}，提请按“四议两公开”程序决策。", proposed_on=dates[0],
                            status=Matter.OPEN, next_order=taken + 1))
        vote = None
        for order, held_on in enumerate(dates, 1):
            step = self.steps[order]
            codes = step.body_codes  # 村民代表会议 mostly, where the step allows it or 村民会议
            body = "representatives_assembly" if "representatives_assembly" in codes and rng.random() < 0.85 \
                else rng.choice(codes)
            counts = _vote(rng, body, order != fails) if body in VOTED else None
            if counts:
                vote = (body, counts)
            self.add(StepRecord(matter_id=m.pk, step_id=step.pk, body=body, held_on=held_on,
                                minutes=self._minutes(order, title, amount, vote), passed=order != fails,
                                **dict(zip(("entitled", "present", "yes", "no", "abstain"), counts or (None,) * 5))))
            if step.discloses:
                self.disclosure(m, step, held_on, self._minutes(order, title, amount, vote))
        if fails:  # as record_step leaves it: ended, or back to the step the template names
            step = self.steps[fails]
            if step.on_fail == TemplateStep.END:
                m.status, m.next_order = Matter.ENDED, fails
            else:
                m.next_order = step.return_to
        elif taken == len(self.steps):
            m.status, m.next_order = Matter.DONE, taken
        self.objections(m, dates, committee, hold)
        self.stats[_state_of(m, taken)] += 1

    @staticmethod
    def _minutes(order, title, amount, vote):
        body, counts = vote if vote else ("", (0,) * 5)
        label = {"two_committees": "两委联席会议", "party_assembly": "党员大会", "villagers_assembly": "村民会议",
                 "representatives_assembly": "村民代表会议"}.get(body, "")
        return {1: f"村党组织提议：{title}。", 2: f"两委联席会议商议{title}，形成初步方案。",
                3: f"党员大会审议{title}方案。", 4: f"{label}表决{title}方案。",
                5: f"{title}：经{label}表决通过（应到 {counts[0]} 人，实到 {counts[1]} 人，同意 {counts[2]} 票），"
                   "同意实施，由村民委员会负责组织。",
                6: f"{title}实施结果：已按决议实施完成" + (f"，实际支出 {amount} 元" if amount else "")
                   + "，验收合格，欢迎村民监督。"}[order]

    def disclosure(self, m, step, posted_on, text):
        rng, today = self.rng, self.today
        keep = posted_on + _days(policy.get("village.disclosure_days", on=posted_on))
        down = None
        if keep + _days(30) < today and rng.random() < 0.8:
            down = keep + _days(rng.randrange(0, min(60, (today - keep).days) + 1))
        d = self.add(Disclosure(matter_id=m.pk, village_id=m.village_id, kind=step.discloses, text=text,
                                posted_on=posted_on, keep_until=keep, taken_down_on=down))
        if rng.random() >= 0.3:
            return
        end = min(down or today, today)
        for _ in range(rng.randrange(1, 3)):
            asked = posted_on + _days(rng.randrange((end - posted_on).days + 1))
            text, reply = rng.choice(QUESTIONS)
            answered = asked + _days(rng.randrange(1, 8))
            answered = answered if answered <= today and rng.random() < 0.75 else None
            phone = crypto.encrypt(names.phone(rng)) if rng.random() < 0.4 else ""
            self.add(Question(disclosure_id=d.pk, text=text, phone_enc=phone, asked_on=asked,
                              answer=reply if answered else "", answered_on=answered))

    def objections(self, m, dates, committee, hold):
        """An answered objection held a step for a while (raised on one step's day, answered on the
        next one's); an open one on a matter still open holds its next step now (one in every
        village: `hold`)."""
        rng, today = self.rng, self.today
        if len(dates) >= 2 and rng.random() < 0.06:
            k = rng.randrange(1, len(dates))
            text, reply = rng.choice(OBJECTIONS)
            self.add(Objection(matter_id=m.pk, raised_by_id=rng.choice(committee), raised_on=dates[k - 1], text=text,
                               answer=reply, answered_on=dates[k]))
        if m.status == Matter.OPEN and (hold or rng.random() < 0.05):
            raised = min(dates[-1] + _days(rng.randrange(1, 6)), today)
            self.add(Objection(matter_id=m.pk, raised_by_id=rng.choice(committee), raised_on=raised,
                               text=rng.choice(OBJECTIONS)[0]))


def _state_of(m, taken):
    if m.status == Matter.DONE:
        return "done"
    if m.status == Matter.ENDED:
        return "ended"
    if m.next_order <= taken:
        return "returned"
    return ["proposed", "deliberated", "reviewed", "resolved", "implementing"][taken - 1]


def load(seed, today, per_year=10, years=2, progress=None):
    """Matters (`per_year` for each of the last `years` years), disclosures, questions, committees
    and objections for every village that has no matter yet; returns {state: matters}."""
    done = set(Matter.objects.values_list("village_id", flat=True).distinct())
    villages = [v for v in Organization.objects.filter(kind="village").only("pk").order_by("path") if v.pk not in done]
    writer = Writer(seed, today, per_year, years)
    for i in range(0, len(villages), CHUNK):
        for v in villages[i:i + CHUNK]:
            writer.village(v)
        writer.flush()
        if progress:
            progress(f"{min(i + CHUNK, len(villages)):,} villages' matters")
    reset_sequences(*writer.batch.rows)
    return writer.stats
