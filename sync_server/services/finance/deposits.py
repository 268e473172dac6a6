"""日结存款对账: the bank's deposit file imported once, its deposits matched to stations' closes.

``import_deposits`` reads the file (``core.deposit_file``; any bad line refuses all of it),
keeps it once by its SHA-256 (the same file again changes nothing and says when it was
first imported), keeps each deposit once by (collection account, bank serial) however many
statements list it, and then matches. ``match_open`` runs the pure matcher
(``core.deposit_matching``) over the closes and deposits no earlier match took, and writes
what it found; it also runs when a station's close arrives later than its deposit
(``sync-server deposits match`` or 重新对账 on the console). ``deposits_view`` is what the
基金财务 page and the CLI show; ``station_figures`` the dashboard's column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.normalize import compact_code
from schema.payment_error_codes import PAYMENT_ERROR_CODES
from schema.vocabulary import Role
from sync_server.core.bank_files import LineProblem
from sync_server.core.clock import beijing_date
from sync_server.core.deposit_file import parse_deposits, station_of
from sync_server.core.deposit_matching import Close, Deposit, Match, match
from sync_server.db.tables import (
    bank_deposits,
    bank_file_imports,
    deposit_matched_closes,
    deposit_matches,
    staff,
    station_closes,
    station_deposit_accounts,
    stations,
)
from sync_server.errors import ApiError
from sync_server.services import audit

KIND = "deposits"
ZERO = Decimal("0.00")


def refuse(code: str, detail: dict[str, Any] | None = None, **values: object) -> ApiError:
    return ApiError(code, PAYMENT_ERROR_CODES[code][1].format(**values), detail or {})


def require_finance(conn: Connection, username: str) -> None:
    row = conn.execute(sa.select(staff.c.role, staff.c.disabled).where(staff.c.username == username)).first()
    finance = {Role.FINANCE_MAKER.value, Role.FINANCE_CHECKER.value}
    if row is None or row.disabled or row.role not in finance:
        raise refuse("deposit_not_finance", {"username": username})


def problem_dict(p: LineProblem) -> dict[str, object]:
    return {"line": p.line, "code": p.code, "message": p.message}


# ---- the stations' payer accounts ---------------------------------------------------------


def add_account(conn: Connection, station_id: str, account: str, *, by: str, now: dt.datetime) -> str:
    """Register the account a station deposits from; the same pair again changes nothing."""
    require_finance(conn, by)
    number = compact_code(account)
    if not (number.isdigit() and 6 <= len(number) <= 40):
        raise refuse("deposit_account_invalid", {"account": account})
    if conn.execute(sa.select(stations.c.id).where(stations.c.id == station_id)).first() is None:
        raise refuse("deposit_station_unknown", {"station": station_id}, station=station_id)
    a = station_deposit_accounts.c
    held = conn.execute(sa.select(a.station_id).where(a.account == number)).scalar()
    if held == station_id:
        return number
    if held is not None:
        raise refuse(
            "deposit_account_taken", {"account": number, "station": held}, account=number, station=held
        )
    conn.execute(sa.insert(station_deposit_accounts).values(account=number, station_id=station_id, added_by=by,
                                                           added_at=now))  # fmt: skip
    audit.append(conn, actor=by, action="deposit_account_added", entity="station", entity_id=station_id,
                 detail={"account": number}, at=now)  # fmt: skip
    d = bank_deposits.c  # open deposits from that account now belong to the station
    conn.execute(sa.update(bank_deposits).where(d.payer_account == number, d.match_id.is_(None))
                 .values(station_id=station_id))  # fmt: skip
    match_open(conn, by=by, now=now)
    return number


# ---- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepositImport:
    import_id: int
    already_imported: bool  # the same file before: nothing changed
    imported_at: dt.datetime
    imported_by: str
    lines: int
    new_lines: int  # deposits not listed by an earlier file
    total: Decimal
    matched: int  # matches this import made (closes and deposits accounted for)


def import_deposits(
    conn: Connection, text: str, *, file_name: str, by: str, now: dt.datetime
) -> DepositImport:
    """Import the file once; ``deposit_file_invalid`` (every problem by line) imports nothing."""
    require_finance(conn, by)
    digest = hashlib.sha256(text.encode()).hexdigest()
    f = bank_file_imports.c
    before = conn.execute(sa.select(bank_file_imports).where(f.kind == KIND, f.file_sha256 == digest)).first()
    if before is not None:
        return DepositImport(before.id, True, before.imported_at, before.imported_by, before.lines,
                             before.new_lines, before.total, 0)  # fmt: skip
    parsed, problems = parse_deposits(text)
    if parsed is None:
        raise refuse(
            "deposit_file_invalid", {"problems": [problem_dict(p) for p in problems]}, count=len(problems)
        )
    d = bank_deposits.c
    serials = [line.bank_serial for line in parsed.lines]
    known = set(conn.execute(sa.select(d.bank_serial).where(d.account == parsed.account, d.bank_serial.in_(serials))).scalars())  # fmt: skip
    new = [line for line in parsed.lines if line.bank_serial not in known]
    import_id = conn.execute(
        sa.insert(bank_file_imports).values(
            kind=KIND, file_sha256=digest, file_name=file_name[-200:], bank_name=parsed.bank_name[:64],
            imported_by=by, imported_at=now, lines=len(parsed.lines), new_lines=len(new), total=parsed.total,
        ).returning(f.id)
    ).scalar_one()  # fmt: skip
    accounts = dict(conn.execute(sa.select(station_deposit_accounts.c.account, station_deposit_accounts.c.station_id)).all())  # fmt: skip
    codes = set(conn.execute(sa.select(stations.c.id)).scalars())
    if new:
        conn.execute(sa.insert(bank_deposits), [
            {"import_id": import_id, "line": line.line, "account": parsed.account, "bank_serial": line.bank_serial,
             "value_date": line.value_date, "payer_account": line.payer_account, "payer_name": line.payer_name,
             "amount": line.amount, "memo": line.memo, "station_id": station_of(line, accounts, codes)}
            for line in new
        ])  # fmt: skip
    audit.append(conn, actor=by, action="deposits_imported", entity="bank_file", entity_id=str(import_id),
                 detail={"sha256": digest, "file_name": file_name[-200:], "bank": parsed.bank_name,
                         "account": parsed.account, "lines": len(parsed.lines), "new": len(new),
                         "total": f"{parsed.total:.2f}"}, at=now)  # fmt: skip
    found = match_open(conn, by=by, now=now)
    return DepositImport(import_id, False, now, by, len(parsed.lines), len(new), parsed.total, len(found))


# ---- matching -----------------------------------------------------------------------------


def _open_closes(conn: Connection) -> list[Close]:
    s = station_closes.c
    taken = sa.select(deposit_matched_closes.c.close_id)
    rows = conn.execute(sa.select(s.id, s.station_id, s.business_day, s.counted).where(s.id.not_in(taken)))
    return [Close(r.id, r.station_id, r.business_day, r.counted) for r in rows]


def _open_deposits(conn: Connection) -> list[Deposit]:
    d = bank_deposits.c
    rows = conn.execute(sa.select(d.id, d.station_id, d.value_date, d.amount).where(d.match_id.is_(None)))
    return [Deposit(r.id, r.station_id, r.value_date, r.amount) for r in rows]


def match_open(conn: Connection, *, by: str, now: dt.datetime) -> list[Match]:
    """Match what no earlier match took, and write the matches (audited as one entry)."""
    found = list(match(_open_closes(conn), _open_deposits(conn)).matches)
    ids: list[int] = []
    for m in found:
        match_id = conn.execute(
            sa.insert(deposit_matches)
            .values(station_id=m.station_id, rule=m.rule, total=m.total, matched_by=by, matched_at=now)
            .returning(deposit_matches.c.id)
        ).scalar_one()
        ids.append(match_id)
        conn.execute(
            sa.insert(deposit_matched_closes), [{"close_id": c, "match_id": match_id} for c in m.close_ids]
        )
        if m.deposit_ids:
            conn.execute(
                sa.update(bank_deposits)
                .where(bank_deposits.c.id.in_(m.deposit_ids))
                .values(match_id=match_id)
            )
    if found:
        audit.append(conn, actor=by, action="deposits_matched", entity="deposit_matches",
                     entity_id=f"{ids[0]}-{ids[-1]}",
                     detail={"matches": [{"id": i, "station": m.station_id, "rule": m.rule, "closes": list(m.close_ids),
                                          "deposits": list(m.deposit_ids), "total": f"{m.total:.2f}"} for i, m in zip(ids, found, strict=True)]},
                     at=now)  # fmt: skip
    return found


# ---- what the page and the command show -----------------------------------------------------


@dataclass(frozen=True)
class CloseRow:
    close_id: int
    station_id: str
    station_name: str
    business_day: dt.date
    part: int
    receipts: int
    voided: int
    expected: Decimal
    counted: Decimal
    difference: Decimal
    reason: str
    waiting_days: int  # since the close's day (open closes)
    match_id: int | None = None


@dataclass(frozen=True)
class DepositRow:
    deposit_id: int
    bank_serial: str
    value_date: dt.date
    payer_account: str
    payer_name: str
    amount: Decimal
    memo: str
    station_id: str | None
    station_name: str
    match_id: int | None


@dataclass(frozen=True)
class MatchRow:
    match_id: int
    station_id: str
    station_name: str
    rule: str
    total: Decimal
    closes: list[CloseRow]
    deposits: list[DepositRow]

    @property
    def difference(self) -> Decimal:
        return sum((c.difference for c in self.closes), ZERO)


@dataclass(frozen=True)
class DepositsView:
    month: str
    open_closes: list[CloseRow]  # closes without their deposit (every month)
    open_deposits: list[DepositRow]  # deposits no close accounts for (every month)
    matched: list[MatchRow]  # matches of closes in ``month``
    files: list[Any] = field(default_factory=list)  # the month's imported deposit files

    @property
    def open_closes_total(self) -> Decimal:
        return sum((c.counted for c in self.open_closes), ZERO)

    @property
    def open_deposits_total(self) -> Decimal:
        return sum((d.amount for d in self.open_deposits), ZERO)


def _close_rows(conn: Connection, where: Any, names: dict[str, str], today: dt.date) -> list[CloseRow]:
    s, m = station_closes.c, deposit_matched_closes.c
    query = (
        sa.select(s.id, s.station_id, s.business_day, s.part, s.receipts, s.voided, s.expected, s.counted,
                  s.difference, s.reason, m.match_id)
        .outerjoin(deposit_matched_closes, m.close_id == s.id)
        .where(where)
        .order_by(s.business_day, s.station_id, s.part)
    )  # fmt: skip
    return [
        CloseRow(r.id, r.station_id, names.get(r.station_id, r.station_id), r.business_day, r.part, r.receipts,
                 r.voided, r.expected, r.counted, r.difference, r.reason or "", (today - r.business_day).days,
                 r.match_id)
        for r in conn.execute(query)
    ]  # fmt: skip


def _deposit_rows(conn: Connection, where: Any, names: dict[str, str]) -> list[DepositRow]:
    d = bank_deposits.c
    query = sa.select(bank_deposits).where(where).order_by(d.value_date, d.id)
    return [
        DepositRow(r.id, r.bank_serial, r.value_date, r.payer_account, r.payer_name, r.amount, r.memo,
                   r.station_id, names.get(r.station_id, "（未识别服务站）") if r.station_id else "（未识别服务站）",
                   r.match_id)
        for r in conn.execute(query)
    ]  # fmt: skip


def deposits_view(
    conn: Connection, month: str, *, now: dt.datetime, station: str | None = None
) -> DepositsView:
    """Open closes and deposits (all months), and the matches of ``month``'s closes."""
    today = beijing_date(now)
    names = dict(conn.execute(sa.select(stations.c.id, stations.c.name)).all())
    s, d = station_closes.c, bank_deposits.c
    first = dt.date.fromisoformat(f"{month}-01")
    after = (first + dt.timedelta(days=32)).replace(day=1)
    mine_c = sa.true() if station is None else s.station_id == station
    mine_d = sa.true() if station is None else d.station_id == station
    taken = sa.select(deposit_matched_closes.c.close_id)
    open_closes = _close_rows(conn, sa.and_(s.id.not_in(taken), mine_c), names, today)
    open_deposits = _deposit_rows(conn, sa.and_(d.match_id.is_(None), mine_d), names)
    in_month = _close_rows(conn, sa.and_(s.id.in_(taken), s.business_day >= first, s.business_day < after, mine_c),
                           names, today)  # fmt: skip
    ids = sorted({c.match_id for c in in_month if c.match_id is not None})
    matched: list[MatchRow] = []
    if ids:
        deposits = _deposit_rows(conn, d.match_id.in_(ids), names)
        every = _close_rows(conn, deposit_matched_closes.c.match_id.in_(ids), names, today)
        for r in conn.execute(
            sa.select(deposit_matches).where(deposit_matches.c.id.in_(ids)).order_by(deposit_matches.c.id)
        ):
            matched.append(MatchRow(r.id, r.station_id, names.get(r.station_id, r.station_id), r.rule, r.total,
                                    [c for c in every if c.match_id == r.id],
                                    [x for x in deposits if x.match_id == r.id]))  # fmt: skip
        matched.sort(key=lambda m: (m.closes[0].business_day if m.closes else first, m.station_id))
    f = bank_file_imports.c
    files = conn.execute(
        sa.select(bank_file_imports).where(f.kind == KIND).order_by(f.imported_at.desc()).limit(10)
    ).all()
    return DepositsView(month, open_closes, open_deposits, matched, list(files))


@dataclass(frozen=True)
class StationDeposits:
    """The dashboard's column: a station's closes still waiting for their deposit."""

    open_closes: int
    open_amount: Decimal
    oldest_days: int


def station_figures(conn: Connection, *, now: dt.datetime) -> dict[str, StationDeposits]:
    today = beijing_date(now)
    s = station_closes.c
    taken = sa.select(deposit_matched_closes.c.close_id)
    rows = conn.execute(
        sa.select(s.station_id, sa.func.count(), sa.func.sum(s.counted), sa.func.min(s.business_day))
        .where(s.id.not_in(taken), s.counted > 0)
        .group_by(s.station_id)
    ).all()
    return {
        r[0]: StationDeposits(int(r[1]), Decimal(r[2] or 0).quantize(Decimal("0.01")), (today - r[3]).days)
        for r in rows
    }


def open_deposit_counts(conn: Connection) -> Counter[str]:
    """Deposits no close accounts for, per station they came from."""
    d = bank_deposits.c
    rows = conn.execute(
        sa.select(d.station_id, sa.func.count()).where(d.match_id.is_(None), d.station_id.is_not(None)).group_by(d.station_id)
    ).all()  # fmt: skip
    return Counter({r[0]: int(r[1]) for r in rows})
