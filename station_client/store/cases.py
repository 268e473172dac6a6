"""``cases``: this station's cases. Plain columns for what lists and sync need; the rest in
``enc``, sealed with associated data ``cases:<case_id>``.

``enc`` holds a :class:`~station_client.core.case_document.CaseDocument` (the payload as
accepted, the latest decision, 补正 sent, corrections sent again, a conflict note …).

``status`` is the station's view (a :class:`schema.lifecycle.CaseStatus` value);
``server_status`` the last status the server reported; ``version`` the version of the
last decision or status record applied (a supplement answers that version).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from schema.lifecycle import CaseStatus
from station_client.core.case_document import CaseDocument
from station_client.crypto.keys import DataKey, aad
from station_client.store.codec import iso, iso_date, parse_date, parse_instant


@dataclass(frozen=True, slots=True)
class CaseRow:
    case_id: str
    case_number: str
    item_code: str
    tier: str
    status: str
    applicant_hmac: str
    accepted_at: datetime
    promised_date: date | None
    due_date: date | None
    server_status: str | None
    version: int
    set_aside: bool
    handed_over_at: datetime | None
    updated_at: datetime
    promised_provisional: bool = False  # 暂定: counted on the provisional holiday calendar
    due_provisional: bool = False  # 暂定, as the server says of its due date


_COLUMNS = ", ".join(f.name for f in fields(CaseRow))
_DATES = {"promised_date", "due_date"}
_INSTANTS = {"accepted_at", "handed_over_at", "updated_at"}


def _to_sql(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATES:
        return iso_date(value)
    if name in _INSTANTS:
        return iso(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _row(values: tuple[Any, ...]) -> CaseRow:
    (
        case_id,
        number,
        item,
        tier,
        status,
        hmac_,
        accepted,
        promised,
        due,
        server,
        version,
        aside,
        handed,
        upd,
        promised_provisional,
        due_provisional,
    ) = values
    accepted_at, updated_at = parse_instant(accepted), parse_instant(upd)
    assert accepted_at is not None and updated_at is not None
    return CaseRow(
        case_id,
        number,
        item,
        tier,
        status,
        hmac_,
        accepted_at,
        parse_date(promised),
        parse_date(due),
        server,
        int(version),
        bool(aside),
        parse_instant(handed),
        updated_at,
        bool(promised_provisional),
        bool(due_provisional),
    )


def _aad(case_id: str) -> bytes:
    return aad("cases", case_id)


def insert_case(db: Database, dek: DataKey, row: CaseRow, doc: CaseDocument) -> None:
    names = [f.name for f in fields(CaseRow)]
    values = [_to_sql(n, getattr(row, n)) for n in names]
    db.execute(
        f"INSERT INTO cases ({_COLUMNS}, enc) VALUES ({', '.join('?' * (len(names) + 1))})",  # noqa: S608  (constant column names)
        [*values, dek.seal_json(doc.to_json(), _aad(row.case_id))],
    )


def update_case(
    db: Database, dek: DataKey | None, case_id: str, *, doc: CaseDocument | None = None, **columns: Any
) -> None:
    """Update plain columns (by name) and, when ``doc`` is given, the sealed document."""
    allowed = {f.name for f in fields(CaseRow)} - {"case_id"}
    unknown = set(columns) - allowed
    if unknown:
        raise ValueError(f"unknown case columns: {sorted(unknown)}")
    sets = [f"{name} = ?" for name in columns]
    params = [_to_sql(name, value) for name, value in columns.items()]
    if doc is not None:
        assert dek is not None, "sealing the document needs the data key"
        sets.append("enc = ?")
        params.append(dek.seal_json(doc.to_json(), _aad(case_id)))
    if sets:
        db.execute(f"UPDATE cases SET {', '.join(sets)} WHERE case_id = ?", [*params, case_id])  # noqa: S608  (constant column names)


def get_row(db: Database, case_id: str) -> CaseRow | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM cases WHERE case_id = ?", [case_id]).fetchone()  # noqa: S608  (constant column names)
    return None if row is None else _row(row)


def get_doc(db: Database, dek: DataKey, case_id: str) -> CaseDocument | None:
    row = db.execute("SELECT enc FROM cases WHERE case_id = ?", [case_id]).fetchone()
    if row is None:
        return None
    return CaseDocument.model_validate(dek.open_json(row[0], _aad(case_id)))


def mark_set_aside(db: Database, case_ids: Iterable[str]) -> None:
    """The cases have an operation refused (set aside at the station or by the server)."""
    db.conn.executemany("UPDATE cases SET set_aside = 1 WHERE case_id = ?", [(c,) for c in case_ids])


def record_server_answers(db: Database, answers: Iterable[tuple[str, CaseStatus | None, bool]]) -> None:
    """``(case_id, the status the server reported or None, refused)`` for each answered operation.

    A refusal marks the case set aside; an acceptance never clears the mark (another
    operation of the case may still be refused)."""
    db.conn.executemany(
        "UPDATE cases SET server_status = coalesce(?, server_status), set_aside = max(set_aside, ?) "
        "WHERE case_id = ?",
        [
            (None if status is None else status.value, int(refused), case_id)
            for case_id, status, refused in answers
        ],
    )


def find_by_number(db: Database, case_number: str) -> CaseRow | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM cases WHERE case_number = ?", [case_number]).fetchone()  # noqa: S608  (constant column names)
    return None if row is None else _row(row)


def list_rows(
    db: Database, *, status: str | None = None, applicant_hmac: str | None = None, limit: int = 200
) -> list[CaseRow]:
    """Newest first, optionally by status or applicant (keyed index)."""
    where, params = [], []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if applicant_hmac is not None:
        where.append("applicant_hmac = ?")
        params.append(applicant_hmac)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM cases {clause} ORDER BY accepted_at DESC LIMIT ?",  # noqa: S608
        [*params, limit],
    ).fetchall()
    return [_row(r) for r in rows]
