"""``sync-server exchange``: other departments' files and the anti-fraud checks.

``import --source death FILE`` imports a file once (its SHA-256 is kept; the same file again
changes nothing), prints each rejected row by line and code and what the checks did;
``check`` runs the monthly checks; ``cases`` lists the open 稽核 cases. docs/fraud_checks.md
describes each file's columns.
"""

from __future__ import annotations

from pathlib import Path

import click

from sync_server.commands.common import (
    CommandError,
    cli_actor,
    data_dir_option,
    format_table,
    open_database,
    utcnow,
)
from sync_server.core.clock import beijing_date
from sync_server.core.fraud.exchange_file import SOURCE_LABELS, ExchangeFileError, ExchangeSource


@click.group("exchange")
def exchange() -> None:
    """部门数据交换与防欺诈稽核（死亡、火化、服刑、婚姻数据比对）。"""


@exchange.command("import")
@data_dir_option
@click.option(
    "--source", "source", required=True, type=click.Choice([s.value for s in ExchangeSource]),
    help="数据来源：death 死亡（卫健、公安），cremation 火化（民政），prison 服刑（司法），marriage 婚姻（民政）。",
)  # fmt: skip
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="文件")
def import_file(data_dir: str | None, source: str, file: Path) -> None:
    """导入报送部门的数据文件，逐行校验，随即比对在发放待遇人员。"""
    from sync_server.services.fraud.exchange import import_exchange_file

    kind = ExchangeSource(source)
    at = utcnow()
    with open_database(data_dir) as (_settings, db):
        try:
            result = import_exchange_file(
                db,
                kind,
                file.read_bytes(),
                file_name=file.name,
                actor=cli_actor(),
                at=at,
                today=beijing_date(at),
            )
        except ExchangeFileError as exc:
            detail = f"（应有的列：{exc.detail['expected']}）" if "expected" in exc.detail else ""
            raise CommandError(exc.code, exc.message + detail) from None
    if result.already_imported:
        click.echo(
            f"该文件已于 {result.imported_at:%Y-%m-%d %H:%M} 由 {result.imported_by} 导入（第 {result.import_id} 批），"
            "本次未作任何改动。"
        )
    else:
        click.echo(
            f"已导入{SOURCE_LABELS[kind]}第 {result.import_id} 批：共 {result.rows_total} 行，"
            f"导入 {result.rows_imported} 行，退回 {len(result.problems)} 行。"
        )
    if result.problems:
        click.echo("退回的行（请报送部门更正后在下一批文件中重报）：")
        click.echo(
            format_table(["行号", "代码", "说明"], [[p.line, p.code, p.message] for p in result.problems])
        )
    if result.check is not None:
        click.echo(
            f"比对 {result.check.persons_checked} 人：暂停待遇 {result.check.suspended} 项，新立稽核案件 {result.check.cases_opened} 件。"
        )


@exchange.command("check")
@data_dir_option
def check(data_dir: str | None) -> None:
    """按月比对：死亡/火化/服刑后仍领取、重复领取、就业期间领取失业金、未按期认证、多人同一账户。"""
    from sync_server.services.fraud.checks import run_checks

    at = utcnow()
    with open_database(data_dir) as (_settings, db), db.write() as conn:
        result = run_checks(conn, actor=cli_actor(), at=at, today=beijing_date(at))
    click.echo(
        f"比对 {result.persons_checked} 人：暂停待遇 {result.suspended} 项，新立稽核案件 {result.cases_opened} 件。"
    )


@exchange.command("cases")
@data_dir_option
@click.option(
    "--status", default="open", type=click.Choice(["open", "confirmed", "dismissed"]), help="案件状态。"
)
def list_cases(data_dir: str | None, status: str) -> None:
    """列出稽核案件（默认待处理的）；在管理台“稽核”页处理。"""
    from sync_server.services.fraud.cases import list_cases as listed

    with open_database(data_dir) as (_settings, db), db.read() as conn:
        rows = listed(conn, status=status, limit=1000)
    if not rows:
        click.echo("没有该状态的稽核案件。")
        return
    click.echo(
        format_table(
            ["编号", "疑点", "对象", "区县", "立案时间"],
            [[c.id, c.kind_label, c.subject, c.county, f"{c.opened_at:%Y-%m-%d}"] for c in rows],
        )
    )
