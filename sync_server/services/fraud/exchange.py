"""Import a department's file (部门数据交换): read it (``core.fraud.exchange_file``), keep
the file's hash and who imported it, write its valid rows in one transaction, and run the
checks for the persons it names in the same transaction. The same file again (same hash)
changes nothing and says when it was first imported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from sync_server.core.fraud.exchange_file import ExchangeSource, RowProblem, file_sha256, read_exchange_file
from sync_server.db.engine import Database
from sync_server.db.tables import exchange_events, exchange_imports
from sync_server.services import audit, bulk
from sync_server.services.fraud.checks import CheckResult, run_checks


@dataclass(frozen=True, slots=True)
class ImportResult:
    import_id: int
    source: ExchangeSource
    already_imported: bool  # the same file was imported before: nothing changed
    imported_at: dt.datetime
    imported_by: str
    rows_total: int
    rows_imported: int
    problems: tuple[RowProblem, ...]
    check: CheckResult | None  # None when the file was already imported


def _problems(rows: list[dict[str, Any]]) -> tuple[RowProblem, ...]:
    return tuple(RowProblem(int(p["line"]), p["code"], p["message"], dict(p.get("detail", {}))) for p in rows)


def import_exchange_file(
    db: Database,
    source: ExchangeSource,
    content: bytes,
    *,
    file_name: str,
    actor: str,
    at: dt.datetime,
    today: dt.date,
) -> ImportResult:
    """Import the file once; raises ``ExchangeFileError`` when the file as a whole cannot be read."""
    digest = file_sha256(content)
    x = exchange_imports.c
    with db.write() as conn:
        before = conn.execute(sa.select(exchange_imports).where(x.file_sha256 == digest)).first()
        if before is not None:
            return ImportResult(
                int(before.id), ExchangeSource(before.source), True, before.imported_at, before.imported_by,
                int(before.rows_total), int(before.rows_imported), _problems(before.problems), None,
            )  # fmt: skip
        parsed = read_exchange_file(source, content, today=today)
        problems = [
            {"line": p.line, "code": p.code, "message": p.message, "detail": p.detail}
            for p in parsed.problems
        ]
        import_id = conn.execute(
            sa.insert(exchange_imports)
            .values(
                source=source.value, file_sha256=digest, file_name=file_name[-200:], imported_by=actor,
                imported_at=at, rows_total=parsed.rows_total, rows_imported=len(parsed.rows),
                rows_rejected=len(parsed.problems), problems=problems,
            )
            .returning(x.id)
        ).scalar_one()  # fmt: skip
        bulk.insert_rows(
            conn,
            exchange_events,
            [
                {"import_id": import_id, "line": r.line, "source": source.value, "id_number": r.id_number,
                 "name": r.name, "event_date": r.event_date, "until": r.until,
                 "other_id_number": r.other_id_number, "detail": r.detail}
                for r in parsed.rows
            ],
        )  # fmt: skip
        audit.append(
            conn, actor=actor, action="exchange_imported", entity="exchange_import", entity_id=str(import_id),
            detail={"source": source.value, "sha256": digest, "file_name": file_name[-200:],
                    "rows": parsed.rows_total, "imported": len(parsed.rows), "rejected": len(parsed.problems)},
            at=at,
        )  # fmt: skip
        named = {r.id_number for r in parsed.rows if source is not ExchangeSource.MARRIAGE}
        check = run_checks(conn, actor=actor, at=at, today=today, id_numbers=named)
    return ImportResult(
        int(import_id), source, False, at, actor, parsed.rows_total, len(parsed.rows), parsed.problems, check
    )
