"""``sync-server cases``: the cases on the server, for operators (names masked in the table)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import click

from schema.lifecycle import STATUS_LABELS
from sync_server.commands.common import Choice, IntRange, data_dir_option, format_table, open_database


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: enough for a clerk to recognise, not to identify."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def query_cases(conn: Any, *, station_id: str | None, status: str | None, limit: int) -> list[Any]:
    import sqlalchemy as sa

    from schema.divisions import StationCode
    from sync_server.db.tables import cases

    query = sa.select(cases).order_by(cases.c.accepted_at.desc(), cases.c.case_number).limit(limit)
    if station_id is not None:
        query = query.where(cases.c.station_id == str(StationCode.parse(station_id)))
    if status is not None:
        query = query.where(cases.c.status == status)
    return list(conn.execute(query).all())


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


@click.command("cases")
@data_dir_option
@click.option("--station", "station_id", metavar="服务站编码", help="只列出该服务站受理的案件。")
@click.option(
    "--status",
    type=Choice({s.value: label for s, label in STATUS_LABELS.items()}),
    help="只列出该状态的案件。",
)
@click.option(
    "--limit",
    type=IntRange(1, 100_000),
    default=200,
    show_default=True,
    help="最多列出多少件（最新的在前）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出完整记录（含未遮挡的姓名）。")
def cases(
    data_dir: str | None, station_id: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    """列出案件：案件编号、服务站、事项编码、状态、申请人（遮挡）、承诺办结日期。"""
    with open_database(data_dir) as (_, db), db.read() as conn:
        rows = query_cases(conn, station_id=station_id, status=status, limit=limit)
    if as_json:
        records = [{k: _json_value(v) for k, v in row._mapping.items()} for row in rows]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("没有符合条件的案件。")
        return
    table = [
        (
            r.case_number,
            r.station_id,
            r.item_code,
            STATUS_LABELS.get(r.status, r.status),
            mask_name(r.applicant_name) if r.applicant_kind == "person" else r.applicant_name,
            (r.due_date.isoformat() + ("（暂定）" if r.due_provisional else "")) if r.due_date else "—",
        )
        for r in rows
    ]
    click.echo(format_table(("案件编号", "服务站", "事项编码", "状态", "申请人", "承诺办结日期"), table))
    more = "（已达 --limit 上限，可能还有更早的案件）" if len(rows) == limit else ""
    click.echo(f"共 {len(rows)} 件{more}。")
