"""The anti-fraud checks (稽核疑点), pure: what other departments said and what the records
hold, turned into findings. A finding may suspend benefits in payment (from the next payment
plan: the plan leaves suspended benefits out) and may open a 稽核 case.

Each finding names its *basis* (the exchange row, the two benefits, the set of persons): a
check run again finds the same basis, so it opens no second case and suspends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import JsonValue

from schema.months import month_of
from schema.person_records import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    ContributionSource,
    PersonRecords,
    PersonStatus,
    record_label,
)
from schema.record_changes import BenefitSuspended


class FraudKind(StrEnum):
    REPORTED_DEAD = "reported_dead"  # 死亡（或已火化）后仍在领取待遇
    IMPRISONED = "imprisoned"  # 服刑期间仍在领取待遇
    DUPLICATE_PENSION = "duplicate_pension"  # 同时领取职工养老金和城乡居民养老金
    UNEMPLOYMENT_WHILE_EMPLOYED = "unemployment_while_employed"  # 就业参保期间领取失业保险金
    SHARED_ACCOUNT = "shared_account"  # 多名无亲属关系人员的待遇发往同一银行账户
    NO_CERTIFICATION = "no_certification"  # 超过 12 个月未做领取资格认证（只暂停，不立案）


FRAUD_KIND_LABELS: dict[FraudKind, str] = {
    FraudKind.REPORTED_DEAD: "死亡后仍领取待遇",
    FraudKind.IMPRISONED: "服刑期间仍领取待遇",
    FraudKind.DUPLICATE_PENSION: "重复领取养老金",
    FraudKind.UNEMPLOYMENT_WHILE_EMPLOYED: "就业期间领取失业保险金",
    FraudKind.SHARED_ACCOUNT: "多人待遇发往同一账户",
    FraudKind.NO_CERTIFICATION: "未按期资格认证",
}
_PENSIONS = (BenefitKind.EMPLOYEE_PENSION, BenefitKind.RESIDENT_PENSION)
CERTIFICATION_MONTHS = 12


@dataclass(frozen=True, slots=True)
class ExchangeFact:
    """A department's row about a person (services.fraud reads them from exchange_events)."""

    event_id: int
    source: str  # death | cremation | prison | marriage
    event_date: dt.date
    until: dt.date | None = None
    other_id_number: str | None = None


@dataclass(frozen=True, slots=True)
class AccountHolder:
    id_number: str
    name: str
    county: str
    kind: str  # the benefit paid into the account


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FraudKind
    id_number: str | None
    subject: str  # the person's ID number, or the bank account
    basis: str
    county: str
    evidence: dict[str, JsonValue]
    suspend: tuple[BenefitKind, ...] = ()  # benefits in payment to suspend
    reason: str = ""  # the suspension's reason, as the records and the station show it
    opens_case: bool = True


def _benefit_evidence(b: Benefit) -> dict[str, JsonValue]:
    return {
        "kind": b.kind.value,
        "label": record_label(b.kind),
        "monthly_amount": str(b.monthly_amount),
        "start_month": b.start_month,
        "paid_through": b.paid_through,
        "status": b.status.value,
        "county": b.county,
    }


def _paid(records: PersonRecords) -> list[Benefit]:
    return [b for b in records.benefits if b.status == BenefitStatus.IN_PAYMENT]


def _fact_evidence(fact: ExchangeFact) -> dict[str, JsonValue]:
    return {
        "event_id": fact.event_id,
        "source": fact.source,
        "event_date": fact.event_date.isoformat(),
        "until": fact.until.isoformat() if fact.until else None,
    }


def _dead(records: PersonRecords, facts: Sequence[ExchangeFact]) -> Finding | None:
    paid = _paid(records)
    if not paid:
        return None
    deaths = sorted((f for f in facts if f.source in ("death", "cremation")), key=lambda f: f.event_date)
    person = records.person
    if deaths:
        fact = deaths[0]
        basis, event = f"event:{fact.event_id}", _fact_evidence(fact)
    elif person.status == PersonStatus.DECEASED and person.death_date is not None:
        basis = f"registry:{person.death_date.isoformat()}"
        event = {"source": "registry", "event_date": person.death_date.isoformat()}
    else:
        return None
    return Finding(
        FraudKind.REPORTED_DEAD, person.id_number, person.id_number, basis, paid[0].county,
        {"name": person.name, "event": event, "benefits": [_benefit_evidence(b) for b in paid]},
        tuple(b.kind for b in paid), f"部门数据交换：{event['event_date']} 死亡，暂停发放待核实",
    )  # fmt: skip


def _imprisoned(records: PersonRecords, facts: Sequence[ExchangeFact], today: dt.date) -> Finding | None:
    paid = _paid(records)
    serving = [
        f
        for f in facts
        if f.source == "prison" and f.event_date <= today and (f.until is None or f.until >= today)
    ]
    if not paid or not serving:
        return None
    fact, person = serving[0], records.person
    return Finding(
        FraudKind.IMPRISONED, person.id_number, person.id_number, f"event:{fact.event_id}", paid[0].county,
        {"name": person.name, "event": _fact_evidence(fact), "benefits": [_benefit_evidence(b) for b in paid]},
        tuple(b.kind for b in paid), f"部门数据交换：{fact.event_date.isoformat()} 起服刑，暂停发放待核实",
    )  # fmt: skip


def _duplicate_pension(records: PersonRecords) -> Finding | None:
    both = [records.current_benefit(kind) for kind in _PENSIONS]
    if any(b is None for b in both) or all(b.status != BenefitStatus.IN_PAYMENT for b in both if b):
        return None
    employee, resident = both[0], both[1]
    assert employee is not None and resident is not None  # narrowed above
    person = records.person
    return Finding(
        FraudKind.DUPLICATE_PENSION, person.id_number, person.id_number,
        f"benefits:{employee.id}-{resident.id}", resident.county,
        {"name": person.name, "benefits": [_benefit_evidence(employee), _benefit_evidence(resident)]},
    )  # fmt: skip


def employed_months(records: PersonRecords, since: str) -> list[str]:
    """Months from ``since`` a unit declared contributions for the person (employed)."""
    months = {
        c.month
        for c in records.contributions
        if c.source == ContributionSource.UNIT_DECLARATION and c.month >= since and c.personal_part > 0
    }
    return sorted(months)


def _unemployment_while_employed(records: PersonRecords) -> Finding | None:
    benefit = records.current_benefit(BenefitKind.UNEMPLOYMENT_BENEFIT)
    if benefit is None or benefit.status != BenefitStatus.IN_PAYMENT:
        return None
    months = employed_months(records, benefit.start_month)
    if not months:
        return None
    person = records.person
    return Finding(
        FraudKind.UNEMPLOYMENT_WHILE_EMPLOYED, person.id_number, person.id_number, f"benefit:{benefit.id}",
        benefit.county,
        {"name": person.name, "benefits": [_benefit_evidence(benefit)], "employed_months": list(months[:36])},
    )  # fmt: skip


def _year_before(today: dt.date) -> dt.date:
    return dt.date(today.year - 1, today.month, min(today.day, 28))


def _uncertified(records: PersonRecords, last_certified: dt.date | None, today: dt.date) -> Finding | None:
    """A pension in payment with no 资格认证 (G24) in the last 12 months; a pension granted in
    those months counts as certified at its grant."""
    cutoff = month_of(_year_before(today))
    if last_certified is not None and last_certified >= _year_before(today):
        return None
    late = [b for b in _paid(records) if b.kind in _PENSIONS and b.start_month < cutoff]
    if not late:
        return None
    person = records.person
    when = last_certified.isoformat() if last_certified else None
    return Finding(
        FraudKind.NO_CERTIFICATION, person.id_number, person.id_number, f"certified:{when}", late[0].county,
        {"name": person.name, "last_certified": when}, tuple(b.kind for b in late),
        f"超过 {CERTIFICATION_MONTHS} 个月未进行领取资格认证，暂停发放；办理资格认证后恢复", opens_case=False,
    )  # fmt: skip


def person_findings(
    records: PersonRecords,
    facts: Sequence[ExchangeFact],
    *,
    last_certified: dt.date | None,
    today: dt.date,
    check_certification: bool = True,
) -> list[Finding]:
    """Every finding about one person. A death or a prison term suspends everything in
    payment, so the certification check is then moot."""
    found = [f for f in (_dead(records, facts), _imprisoned(records, facts, today)) if f is not None]
    if not found and check_certification:
        uncertified = _uncertified(records, last_certified, today)
        found += [uncertified] if uncertified else []
    found += [f for f in (_duplicate_pension(records), _unemployment_while_employed(records)) if f]
    return found


def _groups(ids: Iterable[str], spouses: Iterable[frozenset[str]]) -> int:
    """How many families the persons form (married couples are one)."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    for pair in spouses:
        a, b = sorted(pair) if len(pair) == 2 else (next(iter(pair)),) * 2
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    return len({root(i) for i in parent})


def shared_account_findings(
    holders: Mapping[str, Sequence[AccountHolder]], spouses: Iterable[frozenset[str]]
) -> list[Finding]:
    """A bank account that receives benefits of persons from more than one family."""
    pairs = list(spouses)
    out = []
    for account, people in sorted(holders.items()):
        ids = sorted({h.id_number for h in people})
        if len(ids) < 2 or _groups(ids, pairs) < 2:
            continue
        basis = "persons:" + hashlib.sha256(",".join(ids).encode()).hexdigest()[:32]
        evidence: dict[str, JsonValue] = {
            "bank_account": account,
            "holders": [{"id_number": h.id_number, "name": h.name, "kind": h.kind} for h in people],
        }
        out.append(Finding(FraudKind.SHARED_ACCOUNT, ids[0], account, basis, people[0].county, evidence))
    return out


def suspensions(findings: Iterable[Finding], records: Mapping[str, PersonRecords]) -> list[BenefitSuspended]:
    """The suspension of each benefit still in payment that a finding names, once."""
    out: list[BenefitSuspended] = []
    done: set[tuple[str, BenefitKind]] = set()
    for finding in findings:
        if finding.id_number is None:
            continue
        held = records.get(finding.id_number)
        for kind in finding.suspend:
            benefit = held.current_benefit(kind) if held else None
            key = (finding.id_number, kind)
            if benefit is None or benefit.status != BenefitStatus.IN_PAYMENT or key in done:
                continue
            done.add(key)
            out.append(BenefitSuspended(id_number=finding.id_number, kind=kind, reason=finding.reason))
    return out
