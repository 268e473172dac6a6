"""Each synthetic person's standing in the one database: history, benefits, card.

:class:`LifeGenerator` takes the persons and enrolments :class:`RegistryGenerator` drew and
adds, from its own seeded ``random.Random`` (so the registry draws stay as they were):

* employees: contributions to the four employee insurances from their enrolment, on a
  base of their own index × each year's wage; some left their unit (enrolment stopped,
  with its end) and some of those draw 失业保险金 now;
* flexible workers: pension (and medical) paid at the desk, a few in arrears;
* residents: a grade a year into the residents' pension; those over 60 draw 城乡居民养老金;
* retirees: their working years up to retirement (视同缴费 before 1992) and the
  职工基本养老金 computed from them; about 1 % died in 2025 (pension ended, card cancelled);
* everyone: a social security card, most of them 已启用.

Benefits keep the calculation that produced them (``schema.pension``,
``schema.unemployment``), computed with :func:`seed_params.demo_rate_book`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from schema.pension import ResidentPensionBenefit, employee_pension, resident_pension
from schema.unemployment import unemployment_benefit
from sync_server.demo.seed_histories import (
    EM,
    EP,
    MONTHLY_FROM,
    RP,
    UE,
    WI,
    LifeWriter,
    Line,
    Rows,
    Totals,
    copy_line,
    draw_index,
    yearly_bases,
)  # fmt: skip
from sync_server.demo.seed_params import FIRST_YEAR, demo_rate_book, year_params
from sync_server.demo.seed_registry import REFERENCE_DATE, EnrolmentRow, PersonRow

LAST = (REFERENCE_DATE.year - 1, 12)  # the last month contributed for at the reference date
PERSON_COLUMNS = ("id_number", "name", "sex", "birth_date", "township_code", "phone", "address", "status",
                  "death_date")  # fmt: skip
ENROLMENT_COLUMNS = ("id_number", "insurance_type", "county_code", "kind", "status", "unit_uscc", "since", "until",
                     "stop_reason")  # fmt: skip
BENEFIT_COLUMNS = ("id_number", "kind", "monthly_amount", "calculation", "start_month", "end_month", "status",
                   "status_reason", "paid_through", "bank_name", "bank_account", "county_code")  # fmt: skip
CARD_COLUMNS = ("id_number", "card_number", "status", "bank_name", "history")
BANKS = ("中国农业银行", "中国工商银行", "中国建设银行", "乐山市商业银行", "四川农商银行", "中国邮政储蓄银行")
GRADES = ((100, 45), (200, 25), (300, 12), (500, 10), (1000, 5), (2000, 3))
CARD_STATES = (("active", 930), ("temp_lost", 10), ("lost", 5), ("in_production", 20), ("applied", 15))
_GRADE_VALUES, _GRADE_CUM = [g for g, _ in GRADES], list(itertools.accumulate(w for _, w in GRADES))
_CARD_VALUES, _CARD_CUM = [s for s, _ in CARD_STATES], list(itertools.accumulate(w for _, w in CARD_STATES))
DEATH_SHARE = 0.01  # of retirees, in the reference date's previous year


@dataclass
class LifeRows(Rows):
    persons: list[Line] = field(default_factory=list)  # PERSON_COLUMNS
    enrolments: list[Line] = field(default_factory=list)  # ENROLMENT_COLUMNS
    benefits: list[Line] = field(default_factory=list)
    cards: list[Line] = field(default_factory=list)


@dataclass
class _Life:
    """One person being drawn: what the kinds of insured person below read and add to."""

    person: PersonRow
    rows: list[EnrolmentRow]
    bank: str
    ends: dict[str, tuple[dt.date, str]] = field(default_factory=dict)  # insurance → (until, reason)

    @property
    def id_number(self) -> str:
        return self.person[0]


def _month(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def _add(month: tuple[int, int], count: int) -> tuple[int, int]:
    n = month[0] * 12 + month[1] - 1 + count
    return n // 12, n % 12 + 1


def _text(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def _month_end(month: tuple[int, int]) -> dt.date:
    return dt.date(*_add(month, 1), 1) - dt.timedelta(days=1)


class LifeGenerator:
    """Call :meth:`chunk` with chunks of the registry, in any order or process."""

    def __init__(self, seed: int, unit_risk: dict[str, int], *, monthly_from: int = MONTHLY_FROM) -> None:
        self.rng = random.Random()  # noqa: S311 - synthetic data, reproducible by design
        self.seed_base = (seed + 1) << 64
        self.params = year_params(LAST[0])
        self.book = demo_rate_book(self.params)
        self.unit_risk = unit_risk
        self.monthly_from = monthly_from
        self._resident_calcs: dict[tuple[str, int], ResidentPensionBenefit] = {}  # most balances are 0
        self.out = LifeRows()
        self.writer = LifeWriter(self.params, self.out, monthly_from=monthly_from)

    def chunk(self, people: Sequence[PersonRow], enrolled: Sequence[EnrolmentRow]) -> LifeRows:
        self.out = out = LifeRows()
        self.writer = LifeWriter(self.params, out, monthly_from=self.monthly_from)
        by_person: dict[str, list[EnrolmentRow]] = {}
        for row in enrolled:
            by_person.setdefault(row[0], []).append(row)
        for person in people:
            self._person(person, by_person.get(person[0], []))
        return out

    def _person(self, person: PersonRow, rows: list[EnrolmentRow]) -> None:
        rng, out = self.rng, self.out
        # Each life is drawn from its own seed (the seed and the ID number): the same whatever
        # the chunks or the worker processes that draw it.
        rng.seed(self.seed_base + int(person[0][:17]))
        life = _Life(person, rows, rng.choice(BANKS))
        death: dt.date | None = None
        kind = rows[0][3] if rows else None
        if kind == "employee":
            self._employee(life)
        elif kind == "flexible":
            self._flexible(life)
        elif kind == "retired":
            death = self._retiree(life)
        if any(r[1] == RP.value for r in rows):
            self._resident(life, next(r for r in rows if r[1] == RP.value))
        out.persons.append(copy_line(*person, "deceased" if death else "alive", death))
        for r in rows:
            until, reason = life.ends.get(r[1], (None, None))
            out.enrolments.append(copy_line(*r[:4], "stopped" if until else r[4], *r[5:], until, reason))
        self._card(life.id_number, life.bank, dead=death)

    # ---- kinds of insured person --------------------------------------------------------

    def _employee(self, life: _Life) -> None:
        rng, writer, person, rows = self.rng, self.writer, life.person, life.rows
        first = _month(dt.date.fromisoformat(rows[0][6]))
        status, county, unit = rows[0][4], rows[0][2], rows[0][5]
        last = LAST
        if status != "active":  # stopped paying: left the unit, or the unit suspended them
            span = (LAST[0] * 12 + LAST[1]) - (first[0] * 12 + first[1])
            last = _add(first, rng.randint(0, max(0, span - 1)))
        k = draw_index(rng)
        if first > LAST:
            return  # enrolled at the reference date: nothing paid yet
        bases = yearly_bases(self.params, k, first[0], last[0])
        totals: dict[str, Totals] = {}
        for insurance in (EP, EM, UE, WI):
            risk = self.unit_risk.get(unit or "", 1) if insurance is WI else None
            parts = None if insurance is WI else self.params[first[0]].employee[insurance]
            totals[insurance.value] = writer.spell(
                person[0], insurance, first, last, base_of=bases, parts_of=parts, source="unit_declaration",
                county=county, unit=unit, account=insurance is EP, work_injury_class=risk,
            )  # fmt: skip
        if status == "stopped":
            for insurance in (EP, EM, UE, WI):
                life.ends[insurance.value] = (_month_end(last), "left_unit")
            months = totals[UE.value].months
            if last >= (LAST[0] - 1, 12) and months >= 12 and rng.random() < 0.7:
                self._unemployed(life, months, _add(last, 1), county)

    def _flexible(self, life: _Life) -> None:
        rng, writer, person, rows = self.rng, self.writer, life.person, life.rows
        first = _month(dt.date.fromisoformat(rows[0][6]))
        last = LAST if rng.random() < 0.85 else max(first, _add(LAST, -rng.randint(1, 10)))
        roll = rng.random()
        k = 0.6 if roll < 0.7 else 1.0 if roll < 0.9 else rng.uniform(1.5, 3.0)
        if first > LAST:
            return  # registered at the reference date: nothing paid yet
        for r in rows:
            if r[1] == EP.value:
                parts = self.params[first[0]].flexible_pension
                bases = yearly_bases(self.params, k, first[0], last[0])
            elif r[1] == EM.value:
                parts = self.params[first[0]].flexible_medical
                bases = [self.params[y].wage * 100 for y in range(first[0], last[0] + 1)]
            else:
                continue
            writer.spell(person[0], InsuranceOf[r[1]], first, last, base_of=bases, parts_of=parts,
                         source="desk", county=r[2], unit=None, account=r[1] == EP.value)  # fmt: skip

    def _retiree(self, life: _Life) -> dt.date | None:
        rng, writer, person, rows = self.rng, self.writer, life.person, life.rows
        birth = dt.date.fromisoformat(person[3])
        retired = _add(_month(dt.date.fromisoformat(rows[0][6])), -1)  # pension from the month after
        started = (birth.year + rng.randint(18, 24), rng.randint(1, 12))
        retired = max(retired, (1991, 1))  # the rate book takes wages from 1990 (seed_params)
        first = max(started, (FIRST_YEAR, 1))
        deemed = max(0, (first[0] * 12 + first[1]) - (started[0] * 12 + started[1]))
        k = draw_index(rng)
        totals = Totals()
        if first <= retired:
            bases = yearly_bases(self.params, k, first[0], retired[0])
            parts = self.params[first[0]].employee[EP]
            totals = writer.spell(person[0], EP, first, retired, base_of=bases, parts_of=parts,
                                  source="unit_declaration", county=rows[0][2], unit=None, account=True,
                                  through=min(retired[0], LAST[0] - 1))  # fmt: skip
        index = (
            (Decimal(totals.index_e4) / 10000 / totals.months).quantize(Decimal("0.0001"))
            if totals.months else Decimal(str(round(k, 4)))
        )  # fmt: skip
        pension = employee_pension(
            birth_date=birth, retirement_month=_text(retired), contribution_months=totals.months,
            deemed_months=deemed, average_index=index, account_balance=Decimal(totals.balance_fen).scaleb(-2),
            rates=self.book,
        )  # fmt: skip
        death = None
        if rng.random() < DEATH_SHARE:
            death = dt.date(LAST[0], rng.randint(1, 11), rng.randint(1, 28))
            for r in rows:
                life.ends[r[1]] = (death, "deceased")
        end = _text(_month(death)) if death else None
        self.out.benefits.append(
            copy_line(person[0], "employee_pension", pension.monthly_amount, _json(pension.model_dump_json()),
                      pension.start_month, end, "ended" if death else "in_payment",
                      f"死亡（{death.isoformat()}）" if death else None, end or _text(LAST), life.bank,
                      _account_number(rng), rows[0][2])
        )  # fmt: skip
        return death

    def _resident(self, life: _Life, row: EnrolmentRow) -> None:
        rng, person = self.rng, life.person
        birth = dt.date.fromisoformat(person[3])
        since = dt.date.fromisoformat(row[6])
        sixty = birth.year + 60
        grade = rng.choices(_GRADE_VALUES, cum_weights=_GRADE_CUM)[0]
        subsidy = self.book.in_force(REFERENCE_DATE).resident_pension.grade(grade)
        subsidy_fen = int(subsidy.subsidy * 100) if subsidy else 0
        years = [y for y in range(since.year, min(LAST[0], sixty - 1) + 1) if rng.random() < 0.75]
        totals = self.writer.annual_grades(person[0], years, grade, subsidy_fen, row[2])
        if sixty > LAST[0]:
            return
        start = max((sixty, birth.month), _month(since))
        # Paid at this year's standard: the basic pension is raised for everyone each year.
        key = (max(_text(start), f"{LAST[0]}-01"), totals.balance_fen)
        calc = self._resident_calcs.get(key)
        if calc is None:
            calc = resident_pension(
                start_month=key[0], account_balance=Decimal(key[1]).scaleb(-2), rates=self.book
            )
            if not key[1]:
                self._resident_calcs[key] = calc
        self.out.benefits.append(
            copy_line(person[0], "resident_pension", calc.monthly_amount, _json(calc.model_dump_json()),
                      _text(start), None, "in_payment", None, _text(LAST), life.bank, _account_number(rng), row[2])
        )  # fmt: skip

    def _unemployed(self, life: _Life, months: int, start: tuple[int, int], county: str) -> None:
        calc = unemployment_benefit(contribution_months=months, start_month=_text(start), rates=self.book)
        end = _add(start, calc.months - 1)
        running = end >= LAST
        self.out.benefits.append(
            copy_line(life.id_number, "unemployment_benefit", calc.monthly_amount, _json(calc.model_dump_json()),
                      _text(start), _text(end), "in_payment" if running else "ended",
                      None if running else "领取期满", _text(min(end, LAST)), life.bank, _account_number(self.rng), county)
        )  # fmt: skip

    def _card(self, id_number: str, bank: str, *, dead: dt.date | None) -> None:
        rng = self.rng
        if rng.random() < 0.04:
            return  # never applied
        status = rng.choices(_CARD_VALUES, cum_weights=_CARD_CUM)[0]
        issued = dt.date(rng.randint(2012, LAST[0]), rng.randint(1, 12), rng.randint(1, 28))
        steps = ["applied", "in_production", "active"]
        if status in ("applied", "in_production"):
            steps = steps[: steps.index(status) + 1]
        elif status != "active":
            steps.append(status)
        if dead:
            steps.append("cancelled")
        history = ",".join(
            f'{{"status":"{s}","at":"{issued + dt.timedelta(days=15 * n):%Y-%m-%d}T00:00:00Z","case_id":null}}'
            for n, s in enumerate(steps)
        )
        number = None if steps[-1] == "applied" else f"{rng.choice('ABCDEFGHJKLM')}{rng.randrange(10**8):08d}"
        self.out.cards.append(copy_line(id_number, number, steps[-1], bank, f"[{history}]"))


InsuranceOf = {i.value: i for i in (EP, EM, UE, WI, RP)}


def _json(text: str) -> str:
    """JSON text as a COPY text value (a backslash is COPY's escape character)."""
    return text.replace("\\", "\\\\")


def _account_number(rng: random.Random) -> str:
    return f"6217{rng.randrange(10**15):015d}"


# ---- in a worker process (seed.py forks them) ------------------------------------------

_worker: LifeGenerator | None = None


def start_worker(seed: int, unit_risk: dict[str, int]) -> None:
    global _worker  # noqa: PLW0603 - one generator per worker process
    _worker = LifeGenerator(seed, unit_risk)


def draw_lives(chunk: tuple[Sequence[PersonRow], Sequence[EnrolmentRow]]) -> LifeRows:
    assert _worker is not None
    return _worker.chunk(*chunk)
