"""``sync-server unit show``: a unit in the one database, its employees and its latest declaration."""

from __future__ import annotations

import json

import click

from schema.identifiers import normalize_uscc
from schema.lifecycle import STATUS_LABELS
from sync_server.commands.common import data_dir_option, format_table, open_database
from sync_server.commands.person import not_found
from sync_server.services.records.unit_view import unit_page


@click.group("unit")
def unit() -> None:
    """参保单位信息。"""


@unit.command("show")
@data_dir_option
@click.argument("uscc", metavar="统一社会信用代码")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出完整记录。")
def show(data_dir: str | None, uscc: str, as_json: bool) -> None:
    """显示该单位的登记信息、各险种参保人数、最近申报月份和办理的业务。"""
    code = normalize_uscc(uscc)
    with open_database(data_dir) as (_, db), db.read() as conn:
        page = unit_page(conn, code)
    if page is None:
        raise not_found("unit_not_found", uscc=code)
    if as_json:
        click.echo(json.dumps(page.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    county = "市本级" if page.county == "511100" else page.county
    closed = f"（{page.closed_on} 注销）" if page.closed_on else ""
    risk = f"{page.risk_class} 类" if page.risk_class else "未定"
    click.echo(f"单位：{page.name}  统一社会信用代码：{page.uscc}  参保地：{county}  工伤风险类别：{risk}")
    click.echo(f"单位状态：{page.status}{closed}  最近申报月份：{page.last_declared_month or '—'}")
    click.echo("")
    rows = [(e["insurance"], e["active"], e["suspended"], e["stopped"]) for e in page.employees]
    click.echo("【职工参保人数】")
    click.echo(format_table(("险种", "正常参保", "暂停缴费", "终止参保"), rows) if rows else "无")
    click.echo("")
    click.echo("【办理的业务】")
    cases = [
        (c["case_number"], c["item_code"], STATUS_LABELS.get(c["status"], c["status"]), c["accepted_at"])
        for c in page.cases
    ]
    click.echo(format_table(("案件编号", "事项", "状态", "受理时间"), cases) if cases else "无")
