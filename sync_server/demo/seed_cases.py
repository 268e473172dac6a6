"""Weeks of casework for the demo (``seed-demo --weeks N``): the stations have been at work.

Everything goes through the services a real day goes through, with the clock moved back:
each history station is enrolled (:func:`services.admin.stations.complete_enrolment`) on
the first day, pushes its day's cases at closing time (:func:`services.ingest.push.push`,
the same checks, routing, due dates, ledger and feed as an HTTPS push), and the
back-office reviewers claim and decide the routed cases on later days
(:func:`services.review.decide.claim` / ``decide``): approved (the effect on the records
applies), rejected with a reason, returned for supplement (退回补正: most are supplemented
by the station a few days later and decided again), or still open — those past their due
date are the overdue ones. Nothing is inserted around the rules.

The day's mix per station: flexible workers' contributions (G14, fees posted to the
county ledgers), records prints (G02), residents' back-payments (C012), retirements
(C019), deaths (C018), work-injury claims (C048) and unemployment registrations (C065),
mostly for people of the station's county and some from other counties (so the county
clearing has something to clear). Pensioners certify at their county's station (G24
待遇资格认证), so the month's payment plan pays them.

The desk station :data:`seed.DESK_STATION` is left for ``make demo`` to enrol with the
real ``station-client``: a station's outbox numbers its operations from 1, so a desk
with server-side history could not start.
"""

from __future__ import annotations

import collections
import datetime as dt
import heapq
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schema.case_checks import time_limit_due
from schema.cases import Applicant, CasePayload, FeeSummary, case_number
from schema.catalog import Catalog, load_catalog, validate_form
from schema.divisions import load_divisions
from schema.errors import ContractError
from schema.fees import compute_fee, fee_request_from_form
from schema.lifecycle import Actor, CaseEvent
from schema.protocol import (
    MAX_BATCH_OPERATIONS,
    CaseAcceptOp,
    CaseSupplementOp,
    Operation,
    PushBatch,
    SupplementPayload,
)
from schema.rates import RateBook, load_rates
from schema.retirement_age import WorkerCategory, statutory_retirement
from schema.vocabulary import ApplicantKind, Role, Section, Tier
from schema.workdays import default_calendar
from sync_server.core.case_rules import Rejection, check_accept
from sync_server.core.station import StationContext
from sync_server.db.engine import Database
from sync_server.db.tables import benefits, enrolments, persons, stations
from sync_server.errors import ApiError
from sync_server.services.admin.stations import complete_enrolment
from sync_server.services.ingest import push as ingest
from sync_server.services.review import decide as review
from sync_server.settings import Settings

BEIJING = dt.timezone(dt.timedelta(hours=8))
REVIEWERS = {  # section → the demo reviewer (seed.DEMO_STAFF)
    Section.PENSION: "review.pension",
    Section.RESIDENT_PENSION: "review.resident",
    Section.INTEGRATED: "review.integrated",
    Section.WORK_INJURY: "review.injury",
    Section.UNEMPLOYMENT: "review.unemploy",
    Section.MEDICAL: "review.medical",
}
# A station's day: item → weight (how often a case is of this item).
DAY_MIX = {"G14": 5, "G02": 3, "C012": 2, "C019": 1, "C018": 1, "C048": 1, "C065": 1}
CASES_PER_DAY = (4, 10)  # a township station's day, fewest and most
FROM_ELSEWHERE = 0.12  # applicants whose household is in another county
CERTIFIED_SHARE = 0.35  # of the pensioners, certified (G24) at their county's station in the weeks seeded
# What becomes of a routed case: weights of each fate.
FATES = {"approve": 55, "reject": 9, "return": 18, "open": 18}
SUPPLEMENTED = 0.65  # of the returned, supplemented by the station (then approved)
LATE = 0.15  # decisions made after the due date
REJECT_REASONS = {
    "C012": "经核查，申请补缴的年度已按规定缴费，不符合补缴条件。",
    "C018": "死亡证明所载身份信息与参保登记不一致，请核实后重新申报。",
    "C019": "人事档案中参加工作时间记载不一致，不予办理，请单位核实档案后重新申报。",
    "C048": "经调查，受伤情形不属于工伤认定范围（非因工作原因）。",
    "C065": "经核查，申请人已在其他单位参保缴费，不属于失业人员。",
}
# (item, the material asked for again) → the reviewer's note, which names that material.
RETURN_NOTES = {
    ("C012", "id_card"): "居民身份证复印件模糊，无法核对身份信息，请携带原件重新核验。",
    ("C012", "back_payment_application"): "补缴申请未经本人签字，请申请人签字后补交。",
    ("C018", "death_certificate"): "死亡证明复印件不清晰，请补交死亡证明或火化证明原件。",
    ("C018", "reporter_id_card"): "经办人居民身份证已过有效期，请补交有效的经办人居民身份证。",
    ("C019", "id_card"): "居民身份证复印件缺背面，请补交正反两面。",
    ("C019", "personnel_archive"): "本人人事档案缺参加工作时的招工审批材料，请补齐后补交。",
    ("C019", "retirement_form"): "职工退休审批表缺单位盖章，请单位盖章后补交。",
    ("C048", "injury_application"): "工伤认定申请表未写明受伤经过，请补充后补交。",
    ("C048", "labour_relation_proof"): "与用人单位存在劳动关系的证明未盖单位公章，请补交。",
    ("C048", "diagnosis_certificate"): "医疗诊断证明缺医院公章，请补交。",
    ("C065", "id_card"): "居民身份证复印件不清晰，请携带原件重新核验。",
    ("C065", "separation_proof"): "解除或终止劳动关系证明未写明离职日期，请单位补正后补交。",
}
PENSION_TYPES = {"employee_pension": "enterprise_pension", "resident_pension": "resident_pension"}
HOSPITALS = ("乐山市人民医院", "乐山市中医医院", "犍为县人民医院", "峨眉山市人民医院", "夹江县人民医院")
INJURIES = (
    ("本单位生产车间", "操作设备时右手被卷入传送带，当即送医救治。", "右手第二、三指骨折"),
    ("厂区仓库", "搬运货物时从货架跌落，左腿着地受伤，工友送医。", "左胫骨骨折"),
    ("项目工地", "搭设脚手架时被坠落的钢管砸中肩部。", "右肩锁骨骨折"),
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Person:
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    county: str  # the household's county
    unit: str | None = None  # the employer (employees)
    pension: str | None = None  # benefit kind in payment (pensioners)


@dataclass
class Pools:
    """The registry's people by what they may apply for, each list by household county."""

    flexible: dict[str, list[Person]] = field(default_factory=lambda: collections.defaultdict(list))
    working: dict[str, list[Person]] = field(default_factory=lambda: collections.defaultdict(list))
    residents: dict[str, list[Person]] = field(default_factory=lambda: collections.defaultdict(list))
    retiring: dict[str, list[Person]] = field(default_factory=lambda: collections.defaultdict(list))
    employees: dict[str, list[Person]] = field(default_factory=lambda: collections.defaultdict(list))
    pensioners: dict[str, list[Person]] = field(default_factory=lambda: collections.defaultdict(list))
    used: set[str] = field(default_factory=set)  # one case per person (G24 aside) in the weeks seeded


@dataclass
class HistoryReport:
    start: dt.date | None = None
    days: int = 0
    stations: list[str] = field(default_factory=list)
    cases: collections.Counter[str] = field(default_factory=collections.Counter)  # by item
    pushes: collections.Counter[str] = field(default_factory=collections.Counter)  # op result status
    decisions: collections.Counter[str] = field(default_factory=collections.Counter)  # approve/reject/return
    supplemented: int = 0
    certified: int = 0  # G24 pushed
    fees: Decimal = Decimal("0.00")  # paid at the desks (the applicants' share)
    seconds: float = 0.0


@dataclass
class _Desk:
    """A history station: its key, outbox counters and the operations of the day."""

    context: StationContext
    clerks: tuple[str, ...]
    lag: dt.timedelta  # how long after closing time the day's push lands
    seq: int = 0
    counters: dict[dt.date, int] = field(default_factory=dict)
    ops: list[Operation] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.context.id

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


@dataclass(order=True)
class _Step:
    """A reviewer's or a station's step on a case, due at ``at``."""

    at: dt.datetime
    order: int
    kind: str = field(compare=False)  # decide | claim | supplement
    case_id: uuid.UUID = field(compare=False)
    desk: str = field(compare=False)
    item: str = field(compare=False)
    fate: str = field(compare=False)  # approve | reject | return | claim; a supplement's "version:material"


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def load_pools(conn: sa.Connection, today: dt.date) -> Pools:
    """Read the applicants once: the persons alive and what they are enrolled in or draw."""
    pools = Pools()
    rows = conn.execute(
        sa.select(
            persons.c.id_number, persons.c.name, persons.c.sex, persons.c.birth_date, persons.c.township_code,
            enrolments.c.insurance_type, enrolments.c.kind, enrolments.c.status, enrolments.c.unit_uscc,
        )
        .select_from(persons.outerjoin(enrolments, enrolments.c.id_number == persons.c.id_number))
        .where(persons.c.status == "alive")
        .order_by(persons.c.id_number)
    ).all()  # fmt: skip
    drawing = dict(
        conn.execute(
            sa.select(benefits.c.id_number, sa.func.min(benefits.c.kind))
            .where(benefits.c.status == "in_payment", benefits.c.kind.in_(list(PENSION_TYPES)))
            .group_by(benefits.c.id_number)
        ).all()
    )
    seen: set[str] = set()
    for r in rows:
        born = r.birth_date if isinstance(r.birth_date, dt.date) else dt.date.fromisoformat(str(r.birth_date))
        county, age = r.township_code[:6], _age(born, today)
        person = Person(r.id_number, r.name, r.sex, born, county, r.unit_uscc, drawing.get(r.id_number))
        if r.id_number not in seen:
            seen.add(r.id_number)
            if 18 <= age <= 58:
                pools.working[county].append(person)
            if person.pension:
                pools.pensioners[county].append(person)
        if r.status != "active" or r.insurance_type is None:
            continue
        if r.insurance_type == "enterprise_pension":
            if r.kind == "flexible":
                pools.flexible[county].append(person)
            if r.kind in ("employee", "flexible") and (
                (r.sex == "male" and 59 <= age <= 61) or (r.sex == "female" and 49 <= age <= 51)
            ):
                pools.retiring[county].append(person)
        elif r.insurance_type == "unemployment" and r.kind == "employee" and r.unit_uscc:
            pools.employees[county].append(person)
        elif r.insurance_type == "resident_pension" and 18 <= age < 60:
            pools.residents[county].append(person)
    return pools


class _Cases:
    """Builds a station's operations the way its intake writes them."""

    def __init__(self, rng: random.Random, pools: Pools, catalog: Catalog, rates: RateBook) -> None:
        self.rng, self.pools, self.catalog, self.rates = rng, pools, catalog, rates
        self.counties = sorted(set(pools.working))

    def _pick(self, pool: dict[str, list[Person]], county: str) -> Person | None:
        home = county if self.rng.random() > FROM_ELSEWHERE else self.rng.choice(self.counties)
        for where in (home, county):
            people = pool.get(where) or []
            for _ in range(8 if people else 0):
                person = self.rng.choice(people)
                if person.id_number not in self.pools.used:
                    return person
        return None

    def _form(
        self, code: str, person: Person, day: dt.date, township: str
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        rng, phone = self.rng, f"139{self.rng.randrange(10**8):08d}"
        if code == "G14":  # months of the acceptance year: the desk collects no others
            start = rng.randint(max(1, day.month - 2), day.month)
            end = min(12, start + rng.choice((0, 2, 5)))
            form: dict[str, Any] = {"base": rng.choice(("4588", "6117", "7646", "11469")),
                                    "period_start": f"{day.year}-{start:02d}", "period_end": f"{day.year}-{end:02d}",
                                    "include_medical": rng.random() < 0.7}  # fmt: skip
            return form, ("id_card",)
        if code == "G02":
            kinds = (
                ["enterprise_pension"] if rng.random() < 0.6 else ["enterprise_pension", "employee_medical"]
            )
            purpose = rng.choice(("housing", "settlement", "school", "loan"))
            return {"purpose": purpose, "insurance_types": kinds}, ("id_or_ss_card",)
        if code == "G24":
            form = {"pension_type": PENSION_TYPES[person.pension or "employee_pension"],
                    "method": rng.choice(("face", "face", "in_person"))}  # fmt: skip
            return form, ("id_or_ss_card",)
        if code == "C012":
            form = {"grade": rng.choice(("100", "200", "300", "500")), "year": day.year - 1,
                    "reason": rng.choice(("interrupted", "insufficient_years"))}  # fmt: skip
            return form, ("id_card", "back_payment_application")
        if code == "C019":  # the statutory month under the 2025 reform: an earlier one is refused
            category = WorkerCategory.MALE_60 if person.sex == "male" else WorkerCategory.FEMALE_WORKER_50
            born = person.birth_date
            form = {"retirement_month": statutory_retirement(born, category).month,
                    "worker_category": category.value, "archive_location": "乐山市人才交流中心",
                    "work_start_date": dt.date(born.year + 20, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
                    "contact_phone": phone}  # fmt: skip
            if person.unit:
                form["employer_uscc"] = person.unit
            return form, ("id_card", "personnel_archive", "retirement_form")
        if code == "C018":
            form = {"deceased_id_number": person.id_number, "deceased_name": person.name,
                    "death_date": (day - dt.timedelta(days=rng.randint(5, 60))).isoformat(),
                    "reporter_relation": rng.choice(("spouse", "child", "child")), "cremated": True,
                    "contact_phone": phone}  # fmt: skip
            return form, ("death_certificate", "reporter_id_card")
        if code == "C048":
            place, story, diagnosis = rng.choice(INJURIES)
            form = {"injury_date": (day - dt.timedelta(days=rng.randint(3, 90))).isoformat(),
                    "employer_uscc": person.unit, "injury_kind": "accident", "injury_place": place,
                    "circumstances": story, "diagnosis": diagnosis, "first_hospital": rng.choice(HOSPITALS),
                    "applicant_relation": "self", "contact_phone": phone}  # fmt: skip
            return form, ("injury_application", "labour_relation_proof", "diagnosis_certificate")
        if code == "C065":
            residence = township if person.county == township[:6] else _seat(person.county)
            form = {"separation_date": (day - dt.timedelta(days=rng.randint(3, 30))).isoformat(),
                    "former_employer_uscc": person.unit, "job_seeking": True, "residence_division": residence,
                    "separation_reason": rng.choice(("contract_expired", "employer_terminated", "mutual")),
                    "contact_phone": phone}  # fmt: skip
            return form, ("id_card", "separation_proof")
        raise ValueError(code)

    def _applicant(self, code: str, county: str) -> tuple[Person, Person] | None:
        """(the person the case is about, the one who applies: a relative reports a death)."""
        pool = {
            "G14": self.pools.flexible, "G02": self.pools.working, "C012": self.pools.residents,
            "C019": self.pools.retiring, "C018": self.pools.pensioners, "C048": self.pools.employees,
            "C065": self.pools.employees,
        }[code]  # fmt: skip
        person = self._pick(pool, county)
        if person is None:
            return None
        if code != "C018":
            return person, person
        reporter = self._pick(self.pools.working, person.county)
        return (person, reporter) if reporter else None

    def accept(
        self, desk: _Desk, code: str, at: dt.datetime, person: Person | None = None
    ) -> CaseAcceptOp | None:
        """A valid case_accept of ``code`` at ``at``, for ``person`` or someone the item fits
        (None when nobody fits, or the server's own pure checks would refuse it)."""
        drawn = (person, person) if person else self._applicant(code, desk.context.county_code)
        if drawn is None:
            return None
        subject, applicant = drawn
        item = self.catalog.item(code)
        day = at.astimezone(BEIJING).date()
        form, materials = self._form(code, subject, day, desk.context.township_code)
        values = validate_form(item, form, today=day).values
        fee = None
        if item.fee_kind is not None and item.collects_fee(values):
            fee = FeeSummary.of(compute_fee(fee_request_from_form(item.fee_kind, values), self.rates))
        due = time_limit_due(item, day) if item.tier is Tier.COMPLEX else None
        number = desk.counters.get(day, 0) + 1
        payload = CasePayload(
            case_id=uuid.uuid4(), case_number=case_number(desk.id, day, number, tier=item.tier),
            item_code=code, tier=item.tier, station_id=desk.id, clerk=self.rng.choice(desk.clerks),
            applicant=Applicant(kind=ApplicantKind.PERSON, name=applicant.name, id_number=applicant.id_number),
            form=form, materials_provided=materials, fee=fee, accepted_at=at,
            promised_date=due.day if due else None,
        )  # fmt: skip
        if isinstance(check_accept(payload, catalog=self.catalog, rates=self.rates, today=day), Rejection):
            return None
        desk.counters[day] = number
        if code != "G24":
            self.pools.used.add(subject.id_number)
        return CaseAcceptOp(op_id=uuid.uuid4(), station_id=desk.id, seq=desk.next_seq(), case_id=payload.case_id,
                            created_at=at, payload=payload)  # fmt: skip


def return_note(catalog: Catalog, item: str, material: str) -> str:
    """The reviewer's note on a return asking for ``material`` again: about that material."""
    note = RETURN_NOTES.get((item, material))
    if note is None:  # a required material added to the catalog since: still about it
        name = next(m.name for m in catalog.item(item).materials if m.code == material)
        note = f"{name}不符合要求，请补交。"
    return note


def _seat(county: str) -> str:
    """A township of ``county`` (its first), for a 常住地 outside the station's county."""
    return load_divisions().townships(county)[0].code


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    """``minutes`` after 08:30 on ``day`` in Leshan, as UTC."""
    return (dt.datetime.combine(day, dt.time(8, 30), BEIJING) + dt.timedelta(minutes=minutes)).astimezone(
        dt.UTC
    )


CLOSING = 9 * 60  # 17:30, in minutes after 08:30


class _History:
    """The simulation: the days in order, the back office's steps kept in a heap by time."""

    def __init__(self, db: Database, settings: Settings, rng: random.Random, today: dt.date) -> None:
        self.db, self.settings, self.rng, self.today = db, settings, rng, today
        self.catalog, self.rates, self.calendar = load_catalog(), load_rates(), default_calendar()
        self.desks: dict[str, _Desk] = {}
        self.steps: list[_Step] = []
        self.order = 0
        self.report = HistoryReport()

    def days(self, weeks: int) -> list[dt.date]:
        span = range(weeks * 7, 0, -1)
        return [d for n in span if self.calendar.is_working_day(d := self.today - dt.timedelta(days=n))]

    def enrol(self, station_ids: Sequence[str], clerks: dict[str, tuple[str, ...]], at: dt.datetime) -> None:
        """The history stations enrol on the first morning (a key each, thrown away after the seed)."""
        with self.db.write() as conn:
            for n, station_id in enumerate(station_ids):
                key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
                complete_enrolment(conn, station_id, key, now=at, actor=f"station:{station_id}")
                context = StationContext(station_id, station_id[:9], station_id[:6], key, "active")
                # A push lands soon after closing time; every fourth station is offline until the next morning.
                lag = dt.timedelta(hours=15) if n % 4 == 3 else dt.timedelta(minutes=self.rng.randint(0, 40))
                self.desks[station_id] = _Desk(context, clerks.get(station_id) or ("clerk.demo",), lag=lag)

    def schedule(self, steps: Sequence[_Step]) -> None:
        for step in steps:
            self.order += 1
            step.order = self.order
            heapq.heappush(self.steps, step)

    def back_office(self, until: dt.datetime) -> None:
        while self.steps and self.steps[0].at < until:
            self.schedule(self.act(heapq.heappop(self.steps)))

    def fate(self, op: CaseAcceptOp) -> list[_Step]:
        """What the back office will do with a complex case after the push: its first step, if any."""
        rng, item = self.rng, op.payload.item_code
        accepted = op.payload.accepted_at.astimezone(BEIJING).date()
        fate = rng.choices(list(FATES), weights=list(FATES.values()))[0]
        limit = max(1, self.calendar.working_days_between(accepted, op.payload.promised_date or accepted))
        if fate == "open":  # not decided yet; a third already claimed
            if rng.random() > 1 / 3:
                return []
            at = _moment(self.calendar.add_working_days(accepted, 1), rng.randint(60, 420))
            return [_Step(at, 0, "claim", op.case_id, op.station_id, item, "claim")]
        wait = rng.randint(limit + 1, limit + 5) if rng.random() < LATE else rng.randint(1, limit)
        at = _moment(self.calendar.add_working_days(accepted, wait), rng.randint(60, 480))
        return [_Step(at, 0, "decide", op.case_id, op.station_id, item, fate)]

    def act(self, step: _Step) -> list[_Step]:
        """Carry out a step; the steps it leads to (a supplement after a return, a decision after that)."""
        if step.at.astimezone(BEIJING).date() >= self.today:
            return []  # not yet: the case stays where it is
        if step.kind == "supplement":
            return self.supplement(step)
        rng, case_id = self.rng, str(step.case_id)
        with self.db.write() as conn:
            row = review.load_case(conn, case_id)
            if row.status not in ("routed", "claimed"):
                return []  # refused at the push, or held as a conflict
            section = Section(row.section)
            actor = Actor(REVIEWERS[section], Role.REVIEWER, section=section)
            review.claim(conn, case_id, actor=actor, now=step.at - dt.timedelta(minutes=rng.randint(5, 90)))
        if step.kind == "claim":
            return []
        event, reason, missing = CaseEvent.APPROVE, "", ""
        if step.fate == "reject":
            event, reason = CaseEvent.REJECT, REJECT_REASONS[step.item]
        elif step.fate == "return":
            event, missing = CaseEvent.RETURN_FOR_SUPPLEMENT, rng.choice(self.returnable(step.item))
            reason = return_note(self.catalog, step.item, missing)
        try:
            with self.db.write() as conn:
                after = review.decide(
                    conn,
                    case_id,
                    event,
                    actor=actor,
                    now=step.at,
                    reason=reason,
                    missing=(missing,) if missing else (),
                )
        except (ApiError, ContractError) as refused:  # the effect cannot apply to these records: refused
            event = CaseEvent.REJECT
            with self.db.write() as conn:
                after = review.decide(
                    conn, case_id, event, actor=actor, now=step.at, reason=f"经审核：{refused}"
                )
        self.report.decisions[event.value] += 1
        if event is not CaseEvent.RETURN_FOR_SUPPLEMENT or rng.random() > SUPPLEMENTED:
            return []  # decided, or the applicant has not come back yet
        back = self.calendar.add_working_days(step.at.astimezone(BEIJING).date(), rng.randint(1, 4))
        return [_Step(_moment(back, 120), 0, "supplement", step.case_id, step.desk, step.item,
                      f"{after.version}:{missing}")]  # fmt: skip

    def returnable(self, item: str) -> list[str]:
        """The materials a reviewer may ask for again: the item's required ones."""
        return [m.code for m in self.catalog.item(item).materials if m.requirement == "required"]

    def supplement(self, step: _Step) -> list[_Step]:
        """The station answers a return: the missing material handed in, pushed with the day's batch."""
        desk = self.desks[step.desk]
        version, material = step.fate.split(":")
        payload = SupplementPayload(case_id=step.case_id, based_on_version=int(version), clerk=desk.clerks[0],
                                    materials_provided=(material,), note="申请人已补交所缺材料。")  # fmt: skip
        desk.ops.append(CaseSupplementOp(op_id=uuid.uuid4(), station_id=desk.id, seq=desk.next_seq(),
                                         case_id=step.case_id, created_at=step.at, payload=payload))  # fmt: skip
        decided = self.calendar.add_working_days(step.at.astimezone(BEIJING).date(), self.rng.randint(1, 3))
        return [_Step(_moment(decided, 200), 0, "decide", step.case_id, step.desk, step.item, "approve")]

    def push(self, desk: _Desk, at: dt.datetime) -> None:
        """The station's push, through the server's ingest as if it came over HTTPS."""
        ops, desk.ops = desk.ops, []
        for first in range(0, len(ops), MAX_BATCH_OPERATIONS):
            chunk = ops[first : first + MAX_BATCH_OPERATIONS]
            batch = PushBatch(station_id=desk.id, sent_at=at, operations=tuple(chunk))
            answer = ingest.push(self.db, desk.context, batch, at, settings=self.settings, catalog=self.catalog,
                                 rates=self.rates)  # fmt: skip
            for op, result in zip(chunk, answer.results, strict=True):
                self.count(op, result.status if result.status != "rejected" else f"rejected:{result.code}")

    def count(self, op: Operation, status: str) -> None:
        report = self.report
        report.pushes[status] += 1
        if status != "applied":
            return
        if isinstance(op, CaseAcceptOp):
            report.cases[op.payload.item_code] += 1
            report.fees += op.payload.fee.collected if op.payload.fee else Decimal("0.00")
        elif isinstance(op, CaseSupplementOp):
            report.supplemented += 1


def certifications(
    rng: random.Random, pools: Pools, desks: Sequence[str], days: int
) -> dict[str, list[list[Person]]]:
    """Which pensioners certify (G24) at which station on which day: those of the station's county."""
    by_county: dict[str, list[str]] = collections.defaultdict(list)
    for station_id in desks:
        by_county[station_id[:6]].append(station_id)
    plan: dict[str, list[list[Person]]] = {station_id: [[] for _ in range(days)] for station_id in desks}
    for county, people in sorted(pools.pensioners.items()):
        for person in people if county in by_county else ():
            if rng.random() < CERTIFIED_SHARE:
                plan[rng.choice(by_county[county])][rng.randrange(days)].append(person)
    return plan


def seed_history(
    db: Database,
    *,
    settings: Settings,
    station_ids: Sequence[str],
    clerks: dict[str, tuple[str, ...]],
    weeks: int,
    now: dt.datetime,
    seed: int = 1,
    progress: Progress | None = None,
) -> HistoryReport:
    """``weeks`` of work at the pending stations ``station_ids``, up to the day before ``now``."""
    started = time.monotonic()
    rng = random.Random(f"demo-history-{seed}")  # noqa: S311 - reproducible by design
    world = _History(db, settings, rng, now.astimezone(BEIJING).date())
    days = world.days(weeks)
    report = world.report
    report.start, report.days, report.stations = (days[0] if days else None), len(days), list(station_ids)
    if not days:
        return report
    world.enrol(station_ids, clerks, _moment(days[0], -30))
    with db.read() as conn:
        pools = load_pools(conn, world.today)
    cases = _Cases(rng, pools, world.catalog, world.rates)
    certify = certifications(rng, pools, list(world.desks), len(days))
    mix, weights = list(DAY_MIX), list(DAY_MIX.values())
    for number, day in enumerate(days):
        world.back_office(_moment(day, CLOSING))
        for desk in world.desks.values():
            minute = rng.randint(0, 20)
            for code in rng.choices(mix, weights=weights, k=rng.randint(*CASES_PER_DAY)):
                minute += rng.randint(10, 50)
                op = cases.accept(desk, code, _moment(day, minute))
                if op is not None:
                    desk.ops.append(op)
                    world.schedule(world.fate(op) if op.payload.tier is Tier.COMPLEX else [])
            for person in certify[desk.id][number]:
                minute = min(minute + rng.randint(1, 6), CLOSING - 5)
                op = cases.accept(desk, "G24", _moment(day, minute), person)
                if op is not None:
                    desk.ops.append(op)
            world.push(desk, _moment(day, CLOSING) + desk.lag)
        if progress is not None:
            progress(f"  {day.isoformat()}：已受理 {sum(report.cases.values()):,} 笔业务")
    world.back_office(_moment(world.today, 0))
    report.certified = report.cases["G24"]
    report.seconds = time.monotonic() - started
    return report


def pending_stations(db: Database, station_ids: Sequence[str]) -> list[str]:
    """The demo stations still waiting for their enrolment (they get the history)."""
    query = sa.select(stations.c.id).where(
        stations.c.id.in_(list(station_ids)), stations.c.status == "pending"
    )
    with db.read() as conn:
        return list(conn.execute(query.order_by(stations.c.id)).scalars())
