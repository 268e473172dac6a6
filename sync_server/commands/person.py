"""``sync-server person show``: one person's records in the one database (一库).

The table masks the name, phone and bank account as ``sync-server cases`` masks names;
``--json`` is the full record for operators.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import click

from schema.errors import ContractError
from schema.identifiers import normalize_resident_id
from schema.rates import load_rates
from schema.server_error_codes import SERVER_ERROR_CODES
from sync_server.commands.common import data_dir_option, format_table, open_database
from sync_server.services.records.person_view import PersonPage, person_page


def not_found(code: str, **detail: str) -> ContractError:
    return ContractError(code, SERVER_ERROR_CODES[code][1], detail)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def render_page(page: PersonPage) -> str:
    out = [
        f"参保人：{page.name}  身份证号码：{page.id_number}  性别：{page.sex}  出生日期：{page.birth_date}",
        f"人员状态：{page.status}"
        + (f"（死亡日期 {page.death_date}）" if page.death_date else "")
        + f"  户籍：{page.township or '—'}  经常居住地：{page.residence or '—'}  联系电话：{page.phone}",
        "",
        "【参保登记】",
    ]
    rows: list[tuple[Any, ...]] = [
        (e["insurance"], e["county"], e["status"], e["since"], e["until"] or "—", e["stop_reason"] or "—")
        for e in page.enrolments
    ]
    out.append(
        format_table(("险种", "参保地", "状态", "参保日期", "终止日期", "终止原因"), rows) if rows else "无"
    )
    for h in page.history:
        index = "—" if h.average_index is None else str(h.average_index)
        account = "" if h.account_balance is None else f"  个人账户储存额：{_money(h.account_balance)} 元"
        out += ["", f"【缴费记录·{h.label}】缴费年限：{h.years_text}  平均缴费指数：{index}{account}"]
        if h.note:
            out.append(h.note)
        lines = [
            (
                y.year,
                y.months,
                _money(y.base_sum),
                _money(y.employer_sum),
                _money(y.personal_sum),
                _money(y.account_sum),
            )
            for y in h.lines
        ]
        out.append(format_table(("年度", "月数", "基数合计", "单位缴费", "个人缴费", "记入个人账户"), lines))
    sections: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        (
            "待遇",
            ("待遇", "月发放额", "起始月", "终止月", "状态", "原因", "银行账号"),
            [
                (b["kind"], _money(b["monthly_amount"]), b["start_month"], b["end_month"] or "—", b["status"],
                 b["reason"] or "—", b["bank_account"])
                for b in page.benefits
            ],
        ),
        ("社保卡", ("卡号", "状态", "银行"), [(c["card_number"], c["status"], c["bank_name"] or "—") for c in page.cards]),
        (
            "未结清款项",
            ("项目", "方向", "金额", "基金", "参保地"),
            [(p["kind"], p["direction"], _money(p["amount"]), p["fund"], p["county"]) for p in page.open_payables],
        ),
        (
            "转移接续",
            ("方向", "险种", "转出地", "转入地", "月数", "统筹基金", "个人账户"),
            [(t["direction"], t["insurance"], t["from"], t["to"], t["months"], _money(t["pooled_amount"]),
              _money(t["account_amount"])) for t in page.transfers],
        ),
        (
            "认定、鉴定、备案结论",
            ("事项", "有效期起", "有效期止", "结论"),
            [(d["item"], d["valid_from"], d["valid_until"] or "—", d["result"] or "—") for d in page.determinations],
        ),
        (
            "办理的业务",
            ("案件编号", "事项", "状态", "受理时间"),
            [(c["case_number"], c["item_code"], c["status"], c["accepted_at"]) for c in page.cases],
        ),
    ]  # fmt: skip
    for title, headers, table in sections:
        out += ["", f"【{title}】", format_table(headers, table) if table else "无"]
    return "\n".join(out)


@click.group("person")
def person() -> None:
    """参保人信息：查看一人的参保、缴费、账户、待遇、社保卡和办理的业务。"""


@person.command("show")
@data_dir_option
@click.argument("id_number", metavar="身份证号码")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出完整记录（不遮挡）。")
def show(data_dir: str | None, id_number: str, as_json: bool) -> None:
    """显示该身份证号码的参保人信息（表格中姓名、电话、银行账号已遮挡）。"""
    number = normalize_resident_id(id_number)
    with open_database(data_dir) as (_, db), db.read() as conn:
        page = person_page(conn, number, masking="full" if as_json else "partial", book=load_rates())
    if page is None:
        raise not_found("person_not_found", id_number=number[:6] + "…")
    if as_json:
        click.echo(json.dumps(page.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    click.echo(render_page(page))
