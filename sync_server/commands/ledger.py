"""``sync-server ledger check``: the ledger and the contribution records agree (账实相符).

Prints what was checked and every discrepancy in Chinese; ``--json`` for other systems
(amounts as strings). Exit status 1 when anything disagrees, so a scheduled job notices.
"""

from __future__ import annotations

import json
from typing import Any

import click

from sync_server.commands.common import data_dir_option, open_database
from sync_server.core.ledger_check import LedgerCheck


def check_document(check: LedgerCheck) -> dict[str, Any]:
    return {
        "agrees": check.agrees,
        "cases": check.cases,
        "collected": f"{check.collected:.2f}",
        "recorded": f"{check.recorded:.2f}",
        "discrepancies": [
            {"case_id": d.case_id, "case_number": d.case_number, "code": d.code, "message": d.message}
            for d in check.discrepancies
        ],
    }


def render_text(check: LedgerCheck) -> str:
    out = [
        f"核对收费案件 {check.cases} 件：记入区县收入 {check.collected:,.2f} 元，"
        f"对应缴费记录 {check.recorded:,.2f} 元。"
    ]
    if check.agrees:
        out.append("结论：分录与缴费记录一致。")
    else:
        out.append(f"结论：发现 {len(check.discrepancies)} 处不一致：")
        out += [f"  {n}. {d.message}" for n, d in enumerate(check.discrepancies, start=1)]
    return "\n".join(out)


@click.group("ledger")
def ledger() -> None:
    """收费分录（基金账）核对。"""


@ledger.command("check")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（金额为字符串）。")
def check(data_dir: str | None, as_json: bool) -> None:
    """核对收费分录与缴费记录、暂收款与应退款是否一致；不一致时退出码为 1。"""
    from sync_server.services.reports.ledger_check import ledger_check

    with open_database(data_dir) as (_settings, db), db.read() as conn:
        result = ledger_check(conn)
    if as_json:
        click.echo(json.dumps(check_document(result), ensure_ascii=False, indent=1))
    else:
        click.echo(render_text(result))
    if not result.agrees:
        click.echo(
            f"分录与缴费记录不一致（{len(result.discrepancies)} 处）。请按上列说明逐案核对，并联系基金财务科。",
            err=True,
        )
        raise click.exceptions.Exit(1)
