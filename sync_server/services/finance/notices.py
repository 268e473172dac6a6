"""缴费通知单: a flexible worker's contribution paid through the bank or tax channel, not cash.

``issue`` computes the fee as the desk would (``schema.fees``, the months of the year only)
and gives it a payment reference with a check digit (``schema.payment_reference``) that the
bank echoes back. ``import_confirmations`` reads the bank's confirmation file once (by its
SHA-256), takes each line once (by bank and bank serial, however many files repeat it), and
for each line that pays its notice marks the notice paid and writes its months as
contribution records (``core.contribution_rows``, source ``bank``; the money reached the
fund's account directly, so no desk ledger pair) and tells the person's township. A line
whose money pays nothing is kept with its reason. Every notice issued, cancelled or paid is
audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.fees import Contribution, FlexibleWorkerRequest, check_desk_months, compute_fee, months_in_period
from schema.payment_reference import CITY_ISSUER, PaymentReference, make_reference
from schema.rates import load_rates
from schema.vocabulary import InsuranceType
from sync_server.core.clock import beijing_date
from sync_server.core.contribution_rows import Paid, contribution_rows
from sync_server.core.notice_file import (
    Confirmation,
    NoticeState,
    parse_confirmations,
    reference_digits,
    verdict,
)
from sync_server.db.tables import (
    bank_file_imports,
    contribution_records,
    enrolments,
    notice_confirmations,
    payment_notices,
    persons,
)
from sync_server.services import audit
from sync_server.services.feed import person_slice
from sync_server.services.finance.deposits import problem_dict, refuse, require_finance

KIND = "notices_paid"
NOTICE_ITEMS = frozenset({"G12", "G14"})
STATUS_LABELS = {"issued": "待缴费", "paid": "已缴费", "cancelled": "已作废"}


@dataclass(frozen=True)
class Notice:
    reference: PaymentReference
    id_number: str
    name: str
    item_code: str
    county_code: str
    months: tuple[str, ...]
    amount: Decimal
    fee: Contribution
    status: str
    issued_by: str
    issued_at: dt.datetime


def _flexible_county(conn: Connection, id_number: str) -> str | None:
    e = enrolments.c
    return conn.execute(
        sa.select(e.county_code).where(
            e.id_number == id_number, e.insurance_type == InsuranceType.ENTERPRISE_PENSION.value,
            e.kind == "flexible", e.status == "active",
        )
    ).scalar()  # fmt: skip


def issue(
    conn: Connection,
    *,
    id_number: str,
    item_code: str,
    request: FlexibleWorkerRequest,
    by: str,
    now: dt.datetime,
    issuer: str = CITY_ISSUER,
) -> Notice:
    """A notice for the months asked; the same rules as paying them in cash at a desk."""
    require_finance(conn, by)
    if item_code not in NOTICE_ITEMS:
        raise refuse("notice_item_invalid", {"item": item_code})
    person = conn.execute(sa.select(persons.c.name).where(persons.c.id_number == id_number)).first()
    if person is None:
        raise refuse("notice_person_unknown", {"id_number": id_number}, id_number=id_number)
    county = _flexible_county(conn, id_number)
    if county is None:
        raise refuse("notice_not_enrolled", {"id_number": id_number})
    today = beijing_date(now)
    months_in_period(request.period_start, request.period_end)
    check_desk_months(request.period_start, request.period_end, accepted_on=today)
    fee = compute_fee(request, load_rates())
    n = payment_notices.c
    last = conn.execute(
        sa.select(sa.func.max(n.serial)).where(n.issuer == issuer, n.issued_on == today)
    ).scalar()
    reference = make_reference(issuer, today, int(last or 0) + 1)
    conn.execute(
        sa.insert(payment_notices).values(
            reference=reference.digits, issuer=issuer, issued_on=today, serial=reference.serial, issued_by=by,
            issued_at=now, id_number=id_number, name=person.name, item_code=item_code, county_code=county,
            first_month=fee.months[0], last_month=fee.months[-1], amount=fee.payer_amount,
            fee=fee.model_dump(mode="json"), status="issued",
        )
    )  # fmt: skip
    audit.append(conn, actor=by, action="payment_notice_issued", entity="payment_notice", entity_id=reference.digits,
                 detail={"id_number": id_number, "item": item_code, "months": [fee.months[0], fee.months[-1]],
                         "amount": f"{fee.payer_amount:.2f}", "county": county}, at=now)  # fmt: skip
    return Notice(reference, id_number, person.name, item_code, county, fee.months, fee.payer_amount, fee,
                  "issued", by, now)  # fmt: skip


def cancel(conn: Connection, reference: str, *, by: str, now: dt.datetime) -> None:
    require_finance(conn, by)
    digits = reference_digits(reference) or reference
    n = payment_notices.c
    status = conn.execute(sa.select(n.status).where(n.reference == digits).with_for_update()).scalar()
    if status is None:
        raise refuse("notice_missing", {"reference": reference}, reference=reference)
    if status != "issued":
        raise refuse("notice_not_open", {"reference": reference}, reference=reference)
    conn.execute(sa.update(payment_notices).where(n.reference == digits).values(status="cancelled"))
    audit.append(
        conn, actor=by, action="payment_notice_cancelled", entity="payment_notice", entity_id=digits, at=now
    )


@dataclass(frozen=True)
class ConfirmationImport:
    import_id: int
    already_imported: bool
    imported_at: dt.datetime
    imported_by: str
    lines: int
    new_lines: int  # lines no earlier file carried
    paid: int  # notices this import marked paid
    paid_total: Decimal
    problems: list[dict[str, Any]]  # lines whose money paid nothing: line, reference, amount, code, message


def import_confirmations(
    conn: Connection, text: str, *, file_name: str, by: str, now: dt.datetime
) -> ConfirmationImport:
    """Import the file once; ``notice_file_invalid`` (every problem by line) imports nothing."""
    require_finance(conn, by)
    digest = hashlib.sha256(text.encode()).hexdigest()
    f = bank_file_imports.c
    before = conn.execute(sa.select(bank_file_imports).where(f.kind == KIND, f.file_sha256 == digest)).first()
    if before is not None:
        return ConfirmationImport(before.id, True, before.imported_at, before.imported_by, before.lines,
                                  before.new_lines, 0, Decimal("0.00"), [])  # fmt: skip
    parsed, problems = parse_confirmations(text)
    if parsed is None:
        raise refuse(
            "notice_file_invalid", {"problems": [problem_dict(p) for p in problems]}, count=len(problems)
        )
    c = notice_confirmations.c
    serials = [x.bank_serial for x in parsed.lines]
    known = set(conn.execute(sa.select(c.bank_serial).where(c.bank_name == parsed.bank_name, c.bank_serial.in_(serials))).scalars())  # fmt: skip
    new = [x for x in parsed.lines if x.bank_serial not in known]
    import_id = conn.execute(
        sa.insert(bank_file_imports).values(
            kind=KIND, file_sha256=digest, file_name=file_name[-200:], bank_name=parsed.bank_name[:64],
            imported_by=by, imported_at=now, lines=len(parsed.lines), new_lines=len(new), total=parsed.total,
        ).returning(f.id)
    ).scalar_one()  # fmt: skip
    n = payment_notices.c
    digits = {x.bank_serial: reference_digits(x.reference) for x in new}
    wanted = sorted({d for d in digits.values() if d is not None})
    states = {
        r.reference: NoticeState(r.reference, r.amount, r.status, None)
        for r in conn.execute(sa.select(n.reference, n.amount, n.status).where(n.reference.in_(wanted)).with_for_update())
    }  # fmt: skip
    paid: list[tuple[str, int]] = []  # (reference, confirmation id)
    kept: list[dict[str, Any]] = []
    paid_total = Decimal("0.00")
    for x in new:
        ref = digits[x.bank_serial]
        state = states.get(ref) if ref else None
        why = verdict(x, state)
        confirmation_id = conn.execute(
            sa.insert(notice_confirmations).values(
                import_id=import_id, line=x.line, bank_name=parsed.bank_name[:64], bank_serial=x.bank_serial,
                reference=x.reference, amount=x.amount, paid_on=x.paid_on, payer_name=x.payer_name,
                status="problem" if why else "applied", code=why[0] if why else None, message=why[1][:300] if why else None,
            ).returning(c.id)
        ).scalar_one()  # fmt: skip
        if why is not None:
            kept.append({"line": x.line, "reference": x.reference, "amount": f"{x.amount:.2f}", "code": why[0],
                         "message": why[1]})  # fmt: skip
            continue
        assert ref is not None and state is not None
        states[ref] = NoticeState(
            ref, state.amount, "paid", x.bank_serial
        )  # a second line in this file pays nothing
        conn.execute(sa.update(payment_notices).where(n.reference == ref)
                     .values(status="paid", paid_on=x.paid_on, confirmation_id=confirmation_id))  # fmt: skip
        paid.append((ref, confirmation_id))
        paid_total += x.amount
    _write_records(conn, [r for r, _ in paid], now)
    items: list[audit.AuditItem] = [
        (now, by, "payment_notice_paid", "payment_notice", ref, {"confirmation": cid, "import": import_id})
        for ref, cid in paid
    ]
    items.append((now, by, "notice_confirmations_imported", "bank_file", str(import_id),
                  {"sha256": digest, "file_name": file_name[-200:], "bank": parsed.bank_name, "lines": len(parsed.lines),
                   "new": len(new), "paid": len(paid), "paid_total": f"{paid_total:.2f}", "problems": kept}))  # fmt: skip
    audit.append_many(conn, items)
    return ConfirmationImport(
        import_id, False, now, by, len(parsed.lines), len(new), len(paid), paid_total, kept
    )


def _write_records(conn: Connection, references: list[str], now: dt.datetime) -> None:
    """The paid notices' months as contribution records, and the persons' townships told."""
    if not references:
        return
    n = payment_notices.c
    rates = load_rates()
    rows: list[dict[str, object]] = []
    people: set[str] = set()
    query = sa.select(n.reference, n.id_number, n.county_code, n.fee).where(n.reference.in_(references))
    for r in conn.execute(query):
        fee = Contribution.model_validate(r.fee)
        paid = Paid(r.id_number, r.county_code, "bank", r.reference, fee.base, fee.year)
        for row in contribution_rows(fee.lines, paid, rates=rates, recorded_at=now):
            rows.append({**row, "case_id": None})  # not a case: the ledger check reads case money only
        people.add(r.id_number)
    conn.execute(sa.insert(contribution_records), rows)
    person_slice.tell_townships(conn, people)


# ---- notices a station issued at its desk (the ``payment_notice`` operation) ------------


def held_for(
    conn: Connection, references: list[str], id_numbers: list[str]
) -> tuple[set[str], dict[str, str]]:
    """For a push: which of these references the server holds already, and each person's
    flexible-worker county (the notice's money belongs there)."""
    n, e = payment_notices.c, enrolments.c
    held = set(conn.execute(sa.select(n.reference).where(n.reference.in_(references))).scalars())
    counties = {
        r.id_number: r.county_code
        for r in conn.execute(
            sa.select(e.id_number, e.county_code).where(
                e.id_number.in_(sorted(set(id_numbers))), e.insurance_type == InsuranceType.ENTERPRISE_PENSION.value,
                e.kind == "flexible", e.status == "active",
            )
        )
    }  # fmt: skip
    return held, counties


def receive(conn: Connection, rows: list[dict[str, Any]], *, now: dt.datetime) -> list[str]:
    """Write the desk's notices, then apply the bank lines that paid them before they arrived
    (kept as ``notice_reference_unknown``), in the push's transaction: each line once, in
    the order the bank files came, the first that fits pays the notice. The references paid."""
    conn.execute(sa.insert(payment_notices), rows)
    wanted = {str(r["reference"]) for r in rows}
    c, n = notice_confirmations.c, payment_notices.c
    held = conn.execute(
        sa.select(notice_confirmations)
        .where(c.status == "problem", c.code == "notice_reference_unknown")
        .order_by(c.id)
        .with_for_update()
    ).all()
    waiting = [(x, reference_digits(x.reference)) for x in held]
    waiting = [(x, ref) for x, ref in waiting if ref in wanted]
    if not waiting:
        return []
    states = {
        str(r["reference"]): NoticeState(str(r["reference"]), r["amount"], "issued", None) for r in rows
    }
    paid: list[tuple[str, int]] = []
    items: list[audit.AuditItem] = []
    for x, ref in waiting:
        assert ref is not None
        state = states[ref]
        line = Confirmation(x.line, x.bank_serial, x.reference, x.amount, x.paid_on, x.payer_name)
        why = verdict(line, state)
        if why is not None:  # still money that pays nothing, now for this reason
            conn.execute(
                sa.update(notice_confirmations).where(c.id == x.id).values(code=why[0], message=why[1][:300])
            )
            continue
        states[ref] = NoticeState(ref, state.amount, "paid", x.bank_serial)
        conn.execute(
            sa.update(notice_confirmations)
            .where(c.id == x.id)
            .values(status="applied", code=None, message=None)
        )
        conn.execute(sa.update(payment_notices).where(n.reference == ref)
                     .values(status="paid", paid_on=x.paid_on, confirmation_id=x.id))  # fmt: skip
        paid.append((ref, x.id))
        items.append((now, "system", "payment_notice_paid", "payment_notice", ref,
                      {"confirmation": x.id, "import": x.import_id, "held": True}))  # fmt: skip
    _write_records(conn, [ref for ref, _ in paid], now)
    audit.append_many(conn, items)
    return [ref for ref, _ in paid]


@dataclass(frozen=True)
class NoticeRow:
    reference: str
    grouped: str
    issuer: str
    issued_on: dt.date
    id_number: str
    name: str
    item_code: str
    months: str
    amount: Decimal
    status: str
    paid_on: dt.date | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class NoticesView:
    notices: list[NoticeRow]  # issued in the month, or still open
    problems: list[Any]  # confirmation lines whose money paid nothing (every month)


def notices_view(conn: Connection, month: str) -> NoticesView:
    n, c = payment_notices.c, notice_confirmations.c
    first = dt.date.fromisoformat(f"{month}-01")
    after = (first + dt.timedelta(days=32)).replace(day=1)
    query = (
        sa.select(payment_notices)
        .where(sa.or_(sa.and_(n.issued_on >= first, n.issued_on < after), n.status == "issued"))
        .order_by(n.issued_on, n.issuer, n.serial)
    )
    rows = [
        NoticeRow(r.reference, " ".join(r.reference[i : i + 4] for i in range(0, 22, 4)), r.issuer, r.issued_on,
                  r.id_number, r.name, r.item_code,
                  r.first_month if r.first_month == r.last_month else f"{r.first_month}至{r.last_month}",
                  r.amount, r.status, r.paid_on)
        for r in conn.execute(query)
    ]  # fmt: skip
    problems = conn.execute(
        sa.select(notice_confirmations).where(c.status == "problem").order_by(c.paid_on, c.id)
    ).all()
    return NoticesView(rows, list(problems))
