"""The case mix the push benchmarks send: valid ``case_accept`` operations, built the way a station builds them.

Applicants come from the registry the server holds (``seed-demo``), so the push resolves
real persons and enrolments; forms are filled for the real catalog and the fee is
computed with the shipped rate book, so the server's recomputation matches to the fen.
Per 20 cases:

==========  ==  ==========================================================================
item        n   what it exercises
==========  ==  ==========================================================================
G14         8   general, flexible worker's contribution: fee lines, ledger pairs (fee)
C012        2   complex, residents' pension back-payment: choice form, fee, routing
C019        3   complex, retirement: dates, months, phone; routed to a section with a due date
C048        2   complex, work-injury claim: Chinese free text, USCC check digit, 5 materials
G02         3   general, records print: multi-choice form, finished at the desk
G08         2   general, phone change: registry update with ``base_version`` (person locked,
                row updated, township feed change)
==========  ==  ==========================================================================

Each station's cases are spread over the days before today (at most 200 a day, as
a busy township station), so case numbers follow the station's own daily counter.
Every operation is checked with the server's own pure rules
(:func:`sync_server.core.case_rules.check_accept`) before the benchmark starts.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from schema.cases import Applicant, CasePayload, FeeSummary, case_number
from schema.catalog import load_catalog, validate_form
from schema.fees import compute_fee, fee_request_from_form
from schema.protocol import CaseAcceptOp
from schema.rates import load_rates
from schema.retirement_age import WorkerCategory, statutory_retirement
from schema.vocabulary import ApplicantKind, Tier
from sync_server.core.case_rules import Rejection, check_accept

BEIJING = dt.timezone(dt.timedelta(hours=8))
MIX = ("G14", "G14", "C019", "G02", "G14", "C012", "G08", "C048", "G14", "C019",
       "G14", "G02", "G14", "C012", "C019", "G08", "G14", "C048", "G14", "G02")  # fmt: skip
CASES_PER_DAY = 200
MAX_DAYS = 50  # a larger backlog is spread over 50 days, more cases a day (at most 9,999: the case number)
WORKING_SECONDS = 8 * 3600
# 60 %, 80 %, 100 %, 150 %, 200 %, 300 % of the 2024 average wage: the grades flexible workers pick.
G14_BASES = ("4588", "6117", "7646", "11469", "15292", "22938")
HOSPITALS = ("乐山市人民医院", "乐山市中医医院", "犍为县人民医院", "峨眉山市人民医院", "五通桥区人民医院")
PLACES = ("本单位生产车间", "厂区仓库", "项目工地三号楼", "公司物流中心装卸区", "门店后厨")
STORIES = (
    "在车间操作设备时右手被卷入传送带，当即送医救治，单位负责人在场。",
    "搬运货物时从约两米高的货架跌落，左腿着地受伤，同班组工友送医。",
    "下班途中骑电动车行至嘉州大道路口被机动车撞伤，交警已出具事故认定书。",
    "在工地搭设脚手架时被坠落的钢管砸中肩部，项目部安排车辆送医。",
)


@dataclass(frozen=True)
class RegistryPerson:
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    version: int
    resident: bool  # holds a residents' pension enrolment


@dataclass
class Pools:
    """Registry persons to draw applicants from, and employers for injury claims."""

    working: list[RegistryPerson]  # aged 18-58 at the reference date
    near_retirement: list[RegistryPerson]  # men 58-60, women 48-50
    residents: list[RegistryPerson]  # with a residents' pension enrolment, under 60
    units: list[str]
    changed: set[str] = field(default_factory=set)  # persons a G08 already changed (one each)

    def share(self, index: int, count: int) -> Pools:
        """Every ``count``-th person from ``index``: the applicants of one of ``count`` stations.

        Stations pushing at once serve different people, as in the city, where one person is
        rarely at two counters in the same minute. Shared pools would make concurrent batches
        lock the same registry rows (a flexible worker's contribution locks the person, which
        it may enrol) far more often than real stations do, since the pool is a 5 % sample of
        the registry; the row locks themselves are tested in tests/server."""
        return Pools(
            self.working[index::count],
            self.near_retirement[index::count],
            self.residents[index::count],
            self.units,
            set(),  # the shares are disjoint: each counts its own phone changers
        )


def load_pools(conn: sa.Connection, today: dt.date, *, sample: str = "050") -> Pools:
    """Read applicants from the seeded registry once (before the timed part): the persons whose
    ID sequence digits (positions 15-17) are below ``sample`` (``"050"``: about 5 %)."""
    rows = conn.execute(
        sa.text(
            "SELECT p.id_number, p.name, p.sex, p.birth_date, p.version, "
            "EXISTS (SELECT 1 FROM enrolments e WHERE e.id_number = p.id_number "
            "AND e.insurance_type = 'resident_pension') AS resident FROM persons p "
            "WHERE substr(p.id_number, 15, 3) < :sample ORDER BY p.id_number"
        ),
        {"sample": sample},
    ).all()
    working, near, residents = [], [], []
    for r in rows:
        born = r.birth_date if isinstance(r.birth_date, dt.date) else dt.date.fromisoformat(str(r.birth_date))
        person = RegistryPerson(r.id_number, r.name, r.sex, born, int(r.version), bool(r.resident))
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if 18 <= age <= 58:
            working.append(person)
        if (r.sex == "male" and 58 <= age <= 60) or (r.sex == "female" and 48 <= age <= 50):
            near.append(person)
        if person.resident and 18 <= age < 60:
            residents.append(person)
    units = [u for (u,) in conn.execute(sa.text("SELECT uscc FROM units ORDER BY uscc"))]
    return Pools(working, near, residents, units)


def _fee(item_code: str, form: dict[str, object], day: dt.date) -> FeeSummary | None:
    item = load_catalog().item(item_code)
    values = validate_form(item, form, today=day).values
    if item.fee_kind is None or not item.collects_fee(values):
        return None
    return FeeSummary.of(compute_fee(fee_request_from_form(item.fee_kind, values), load_rates()))


def _form(
    item_code: str, rng: random.Random, person: RegistryPerson, pools: Pools, day: dt.date
) -> tuple[dict[str, object], tuple[str, ...], int | None]:
    """(form, materials, base_version) as the clerk fills them in."""
    phone = f"139{rng.randrange(10**8):08d}"
    if item_code == "G14":
        start = rng.randint(1, 10)
        end = min(12, start + rng.choice((0, 2, 5)))
        form: dict[str, object] = {  # months of the acceptance year: the desk collects no others
            "base": rng.choice(G14_BASES),
            "period_start": f"{day.year}-{start:02d}",
            "period_end": f"{day.year}-{end:02d}",
            "include_medical": rng.random() < 0.7,
        }
        return form, ("id_card",), None
    if item_code == "C012":
        form = {"grade": rng.choice(("100", "200", "300", "500")), "year": rng.choice((day.year - 1, day.year)),
                "reason": rng.choice(("interrupted", "insufficient_years"))}  # fmt: skip
        return form, ("id_card", "back_payment_application"), None
    if item_code == "C019":
        born = person.birth_date
        category = WorkerCategory.MALE_60 if person.sex == "male" else WorkerCategory.FEMALE_WORKER_50
        form = {
            # the statutory month under the 2025 reform: an earlier one is refused
            "retirement_month": statutory_retirement(born, category).month,
            "worker_category": category.value,
            "work_start_date": dt.date(born.year + 20, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            "employer_uscc": rng.choice(pools.units),
            "archive_location": "乐山市人才交流中心",
            "contact_phone": phone,
        }
        return form, ("id_card", "personnel_archive", "retirement_form"), None
    if item_code == "C048":
        injured = day - dt.timedelta(days=rng.randint(3, 120))
        relation = rng.choice(("self", "self", "relative", "employer"))
        form = {
            "injury_date": injured.isoformat(),
            "employer_uscc": rng.choice(pools.units),
            "injury_kind": rng.choice(("accident", "accident", "commute")),
            "injury_place": rng.choice(PLACES),
            "circumstances": rng.choice(STORIES),
            "diagnosis": "右手第二、三指骨折",
            "first_hospital": rng.choice(HOSPITALS),
            "applicant_relation": relation,
            "contact_phone": phone,
        }
        extra = {"relative": ("kinship_proof",), "employer": ("employer_letter",)}.get(relation, ())
        return form, ("injury_application", "labour_relation_proof", "diagnosis_certificate", *extra), None
    if item_code == "G02":
        kinds = ["enterprise_pension"] if rng.random() < 0.6 else ["enterprise_pension", "employee_medical"]
        form = {"purpose": rng.choice(("housing", "settlement", "school", "loan")), "insurance_types": kinds}
        return form, ("id_or_ss_card",), None
    if item_code == "G08":
        return {"change_items": ["phone"], "new_phone": phone}, ("id_card",), person.version
    raise ValueError(item_code)


def _applicant(item_code: str, rng: random.Random, pools: Pools) -> RegistryPerson:
    if item_code == "C019":
        return rng.choice(pools.near_retirement)
    if item_code == "C012":
        return rng.choice(pools.residents)
    if item_code == "G08":  # one change per person, so every base_version is current
        if len(pools.changed) >= len(pools.working):
            raise SystemExit("too few applicants for this many phone changes: raise --sample or --persons")
        while True:
            person = rng.choice(pools.working)
            if person.id_number not in pools.changed:
                pools.changed.add(person.id_number)
                return person
    return rng.choice(pools.working)


@dataclass
class StationOps:
    station_id: str
    ops: list[bytes]  # each operation's JSON, as the station's outbox stores it


def _days(total: int, now: dt.datetime) -> Iterator[dt.datetime]:
    """Acceptance times: CASES_PER_DAY a day (more for a backlog longer than MAX_DAYS days,
    which a station could not hold: the server flags cases older than its offline limit),
    from 09:00, oldest first."""
    per_day = max(CASES_PER_DAY, -(-total // MAX_DAYS))
    step = min(120.0, WORKING_SECONDS / per_day)  # one case every two minutes, closer for a backlog
    days = -(-total // per_day)
    start = (
        (now - dt.timedelta(days=days)).astimezone(BEIJING).replace(hour=9, minute=0, second=0, microsecond=0)
    )
    for n in range(total):
        day, k = divmod(n, per_day)
        yield start + dt.timedelta(days=day, seconds=k * step)


def build_ops(station_id: str, total: int, pools: Pools, *, seed: int, now: dt.datetime) -> StationOps:
    """``total`` valid case_accept operations for one station, seq 1..total."""
    rng = random.Random(seed)
    catalog, rates = load_catalog(), load_rates()
    out: list[bytes] = []
    counters: dict[dt.date, int] = {}
    for n, accepted_at in enumerate(_days(total, now)):
        item_code = MIX[n % len(MIX)]
        item = catalog.item(item_code)
        person = _applicant(item_code, rng, pools)
        day = accepted_at.date()
        form, materials, base_version = _form(item_code, rng, person, pools, day)
        counters[day] = counters.get(day, 0) + 1
        payload = CasePayload(
            case_id=uuid.uuid4(),
            case_number=case_number(station_id, day, counters[day], tier=item.tier),
            item_code=item_code,
            tier=item.tier,
            station_id=station_id,
            clerk=f"clerk.{station_id[:9]}.{1 + n % 3}",
            applicant=Applicant(kind=ApplicantKind.PERSON, name=person.name, id_number=person.id_number),
            form=form,
            materials_provided=materials,
            fee=_fee(item_code, form, day),
            accepted_at=accepted_at,
            promised_date=day + dt.timedelta(days=42) if item.tier is Tier.COMPLEX else None,
            base_version=base_version,
        )
        checked = check_accept(payload, catalog=catalog, rates=rates, today=day)
        if isinstance(checked, Rejection):
            raise AssertionError(f"bench case {item_code} would be rejected: {checked}")
        op = CaseAcceptOp(
            op_id=uuid.uuid4(), station_id=station_id, seq=n + 1, case_id=payload.case_id,
            created_at=accepted_at, payload=payload,
        )  # fmt: skip
        out.append(op.model_dump_json().encode())
    return StationOps(station_id, out)


def batch_body(station_id: str, sent_at: dt.datetime, operations: Sequence[bytes]) -> bytes:
    """A PushBatch around stored operation bytes, as the station's sync agent writes it."""
    head = json.dumps({"station_id": station_id, "sent_at": sent_at.isoformat()})[:-1]
    return head.encode() + b',"operations":[' + b",".join(operations) + b"]}"


def fee_collected(ops: StationOps) -> Decimal:
    """What the applicants paid at the desk (subsidy lines are the treasury's, not the ledger's)."""
    total = Decimal(0)
    for raw in ops.ops:
        fee = json.loads(raw)["payload"].get("fee")
        for line in fee["lines"] if fee else ():
            if line["payer"] == "person":
                total += Decimal(line["amount"])
    return total
