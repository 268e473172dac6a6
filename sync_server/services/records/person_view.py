"""What ``sync-server person show`` and the console's 参保人信息 page show.

One read: the person's records (``load``), the derived figures (``schema.record_derivations``)
and the person's cases. Masking is decided here, not in the template or the command, so
no view can leak what its reader's role may not see:

* ``full`` — reviewers and chiefs (经办), and ``--json`` for operators: everything;
* ``partial`` — supervisors (监管) and the CLI's table: ID number, name, phone and bank
  account masked; amounts, months and statuses shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection

from schema.catalog import load_catalog
from schema.lifecycle import STATUS_LABELS
from schema.person_records import Determination, PayableStatus, PersonRecords, record_label
from schema.rates import RateBook
from schema.record_changes import PERSON_FIELDS
from schema.record_derivations import MissingWage, account_balance, contribution_totals, year_lines
from schema.vocabulary import InsuranceType, label
from sync_server.db.tables import cases, persons
from sync_server.services.records.load import load_person_records

Masking = Literal["full", "partial"]
CASES_SHOWN = 50


def mask_id_number(value: str) -> str:
    """``511102197505170012`` → ``511102********0012``."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) >= 10 else value


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def mask_tail(value: str | None, keep: int = 4) -> str:
    if not value:
        return "—"
    return "*" * max(0, len(value) - keep) + value[-keep:]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class YearLine(_Frozen):
    year: int
    months: int
    base_sum: Decimal
    employer_sum: Decimal
    personal_sum: Decimal
    account_sum: Decimal
    index_sum: Decimal | None  # None: no average wage loaded for some year


class InsuranceHistory(_Frozen):
    insurance: str
    label: str
    months: int
    years_text: str  # 15 年 6 个月
    average_index: Decimal | None
    account_balance: Decimal | None  # pension schemes only
    lines: tuple[YearLine, ...]
    note: str = ""


class PersonPage(_Frozen):
    id_number: str  # masked for ``partial``
    name: str
    sex: str
    birth_date: str
    status: str
    death_date: str | None
    township: str | None
    residence: str | None
    phone: str
    enrolments: tuple[dict[str, Any], ...]
    history: tuple[InsuranceHistory, ...]
    benefits: tuple[dict[str, Any], ...]
    cards: tuple[dict[str, Any], ...]
    open_payables: tuple[dict[str, Any], ...]
    transfers: tuple[dict[str, Any], ...]
    determinations: tuple[dict[str, Any], ...] = ()  # 认定、鉴定、备案结论
    changes: tuple[dict[str, Any], ...]
    cases: tuple[dict[str, Any], ...]


def index_wages(book: RateBook, years: Iterable[int]) -> tuple[dict[int, Decimal], list[int]]:
    """The wage each contribution year's index is measured by: the previous year's
    上年度全省在岗职工月平均工资 (the rate book's pension base wages). A year whose wage is
    not yet published uses the latest earlier one, and is listed as provisional (暂算)."""
    wages: dict[int, Decimal] = {}
    provisional: list[int] = []
    for year in sorted(set(years)):
        earlier = [w for w in book.benefits.pension_base_wages if w.wage_year <= year - 1]
        if earlier:
            found = max(earlier, key=lambda w: w.wage_year)
            wages[year] = found.amount
            if found.wage_year != year - 1:
                provisional.append(year)
    return wages, provisional


_ACCOUNT_SCHEMES = {
    InsuranceType.ENTERPRISE_PENSION,
    InsuranceType.INSTITUTION_PENSION,
    InsuranceType.RESIDENT_PENSION,
}


def _history(
    records: PersonRecords, insurance: InsuranceType, wages: Mapping[int, Decimal], provisional: list[int]
) -> InsuranceHistory:
    rows, summaries = records.contributions, records.year_summaries
    months_years = {int(r.month[:4]) for r in rows if r.insurance == insurance}
    guessed = [y for y in provisional if y in months_years]
    note = (
        f"{'、'.join(map(str, guessed))} 年的缴费指数按最近公布的社平工资暂算，新数据载入后自动更正。"
        if guessed
        else ""
    )
    try:
        lines = year_lines(rows, summaries, insurance, wages=wages)
        totals = contribution_totals(rows, summaries, insurance, wages=wages)
        average: Decimal | None = totals.average_index
    except MissingWage as missing:
        lines = year_lines(rows, summaries, insurance, wages=None)
        totals = contribution_totals(rows, summaries, insurance, wages=None)
        average = None
        note = f"费率表中没有 {missing.year - 1} 年社平工资，缴费指数暂无法计算；请系统管理员载入后再查看。"
    years, months = totals.years_and_months
    balance = (
        account_balance(records.accounts, rows, summaries, insurance)
        if insurance in _ACCOUNT_SCHEMES
        else None
    )
    return InsuranceHistory(
        insurance=insurance.value,
        label=label(insurance),
        months=totals.months,
        years_text=f"{years} 年 {months} 个月",
        average_index=average,
        account_balance=balance,
        lines=tuple(
            YearLine(
                year=line.year,
                months=line.months,
                base_sum=line.base_sum,
                employer_sum=line.employer_sum,
                personal_sum=line.personal_sum,
                account_sum=line.account_sum,
                index_sum=line.index_sum if average is not None else None,
            )
            for line in lines
        ),
        note=note,
    )


def _determination(d: Determination, full: bool) -> dict[str, Any]:
    """One conclusion: the item, its period, and (unmasked roles only) what the form said."""
    item = load_catalog().item(d.item_code)
    shown = []
    for name, value in d.result.items():
        field = item.field(name)
        if field is None or (not full and "id_number" in name):
            continue
        text = field.choice_label(value) if isinstance(value, str) else None
        shown.append(f"{field.label}：{text or value}")
    return {
        "item": f"{item.code} {item.name}",
        "valid_from": d.valid_from.isoformat(),
        "valid_until": d.valid_until.isoformat() if d.valid_until else None,
        "result": "；".join(shown),
        "case_id": d.case_id,
    }


def build_page(
    records: PersonRecords, case_rows: list[Any], *, masking: Masking, book: RateBook
) -> PersonPage:
    p = records.person
    full = masking == "full"
    insurances = sorted(
        {InsuranceType(r.insurance) for r in records.contributions}
        | {InsuranceType(s.insurance) for s in records.year_summaries},
        key=list(InsuranceType).index,
    )
    years = [int(r.month[:4]) for r in records.contributions]
    wages, provisional = index_wages(book, years)
    return PersonPage(
        id_number=p.id_number if full else mask_id_number(p.id_number),
        name=p.name if full else mask_name(p.name),
        sex="男" if p.sex.value == "male" else "女",
        birth_date=p.birth_date.isoformat(),
        status=record_label(p.status),
        death_date=p.death_date.isoformat() if p.death_date else None,
        township=p.township,
        residence=p.residence,
        phone=(p.phone or "—") if full else mask_tail(p.phone),
        enrolments=tuple(
            {
                "insurance": label(e.insurance),
                "county": e.county,
                "kind": e.kind,
                "status": {"active": "正常参保", "suspended": "暂停缴费", "stopped": "终止参保"}[e.status],
                "unit_uscc": e.unit_uscc,
                "since": e.since.isoformat(),
                "until": e.until.isoformat() if e.until else None,
                "stop_reason": record_label(e.stop_reason) if e.stop_reason else None,
            }
            for e in records.enrolments
        ),
        history=tuple(_history(records, i, wages, provisional) for i in insurances),
        benefits=tuple(
            {
                "kind": record_label(b.kind),
                "monthly_amount": b.monthly_amount,
                "start_month": b.start_month,
                "end_month": b.end_month,
                "status": record_label(b.status),
                "reason": b.status_reason,
                "bank_name": b.bank_name,
                "bank_account": b.bank_account if full else mask_tail(b.bank_account),
                "county": b.county,
                "calculation": b.calculation,
            }
            for b in records.benefits
        ),
        cards=tuple(
            {
                "card_number": c.card_number if full else mask_tail(c.card_number),
                "status": record_label(c.status),
                "bank_name": c.bank_name,
                "history": [(e.at.isoformat(timespec="minutes"), record_label(e.status)) for e in c.history],
            }
            for c in records.cards
        ),
        open_payables=tuple(
            {
                "kind": record_label(x.kind),
                "direction": record_label(x.direction),
                "amount": x.amount,
                "fund": x.fund,
                "county": x.county,
                "case_id": x.case_id,
            }
            for x in records.payables
            if x.status == PayableStatus.OPEN
        ),
        transfers=tuple(
            {
                "direction": record_label(t.direction),
                "insurance": label(t.insurance),
                "from": t.region_from,
                "to": t.region_to,
                "months": t.months,
                "pooled_amount": t.pooled_amount,
                "account_amount": t.account_amount,
            }
            for t in records.transfers
        ),
        determinations=tuple(_determination(d, full) for d in records.determinations),
        changes=tuple(
            {
                "field": PERSON_FIELDS.get(c.field, c.field),
                "old": c.old_value if full else "（已遮挡）",
                "new": c.new_value if full else "（已遮挡）",
                "at": c.at.isoformat(timespec="minutes"),
            }
            for c in records.changes
        ),
        cases=tuple(
            {
                "case_id": r.case_id,
                "case_number": r.case_number,
                "item_code": r.item_code,
                "status": STATUS_LABELS.get(r.status, r.status),
                "accepted_at": r.accepted_at.isoformat(timespec="minutes"),
            }
            for r in case_rows
        ),
    )


def person_page(conn: Connection, id_number: str, *, masking: Masking, book: RateBook) -> PersonPage | None:
    """The person page of ``id_number``, or None when the registry has no such person."""
    records = load_person_records(conn, [id_number]).get(id_number)
    if records is None:
        return None
    case_rows = list(
        conn.execute(
            sa.select(
                cases.c.case_id, cases.c.case_number, cases.c.item_code, cases.c.status, cases.c.accepted_at
            )
            .where(cases.c.applicant_key == id_number)
            .order_by(cases.c.accepted_at.desc())
            .limit(CASES_SHOWN)
        )
    )
    return build_page(records, case_rows, masking=masking, book=book)


class PersonMatch(_Frozen):
    key: str  # an opaque handle for the page (never the ID number in a URL)
    name: str
    id_number: str  # masked
    township: str | None
    status: str


def find_by_name(conn: Connection, name: str, township: str, *, limit: int = 20) -> list[Any]:
    """Persons of that exact name registered (户籍) in the township."""
    query = (
        sa.select(persons.c.id_number, persons.c.name, persons.c.township_code, persons.c.status)
        .where(persons.c.name == name, persons.c.township_code == township)
        .order_by(persons.c.id_number)
        .limit(limit)
    )
    return list(conn.execute(query))
