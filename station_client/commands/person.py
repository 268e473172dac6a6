"""``station-client person find ID|NAME``: a person in the township's registry slice, by
ID number (full-width digits, spaces, an old 15-digit number are fine; a wrong number is
refused with its reason), exact or partial name, or pinyin (``wjg``, ``wangjianguo``).

One person found: the card 找人 shows (参保状态, enrolments with the last month paid,
benefits, the card, 【已死亡】 above all). Several: one line each, then find by ID number.
Nothing found is not an error (exit 0, an empty list under ``--json``).
"""

from __future__ import annotations

from typing import Any

import click

from schema.records import PersonRecord
from station_client.commands.common import (
    desk,
    guarded,
    home_option,
    json_option,
    now,
    print_json,
    user_option,
)
from station_client.core.case_numbering import local_day
from station_client.services.person_search import looks_like_id, search
from station_client.ui.viewmodels.person import PersonCard, person_card

_ENROLMENT_KEYS = ("insurance", "place", "status", "since", "last_paid")
_BENEFIT_KEYS = ("kind", "monthly", "status", "period")


def person_json(record: PersonRecord, card: PersonCard) -> dict[str, Any]:
    return {
        "id_number": record.id_number,
        "name": record.name,
        "card": [{"label": k, "value": v} for k, v in card.lines],
        "enrolments": [dict(zip(_ENROLMENT_KEYS, e, strict=True)) for e in card.enrolments],
        "benefits": [dict(zip(_BENEFIT_KEYS, b, strict=True)) for b in card.benefits],
        "deceased": card.deceased,
        "audit_warning": card.audit_warning,
    }


def card_lines(card: PersonCard) -> list[str]:
    lines = [card.deceased] if card.deceased else []
    lines += [card.audit_warning] if card.audit_warning else []
    lines += [f"{k}：{v}" for k, v in card.lines]
    if card.enrolments:
        lines.append("参保登记（险种　参保地　状态　起始　最近缴费）")
        lines += ["  " + "　".join(e) for e in card.enrolments]
    lines += card.benefit_lines()
    return lines


@click.group("person")
def person() -> None:
    """查找本乡镇参保人员。"""


@person.command("find")
@home_option
@user_option
@click.argument("query", metavar="身份证号或姓名")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200), help="最多列出几人。")
@json_option
@guarded
def find(home: str | None, username: str, query: str, limit: int, as_json: bool) -> None:
    """按公民身份号码、姓名（可只写一部分）或姓名拼音（全拼或首字母）查找本乡镇参保人员。"""
    today = local_day(now())
    with desk(home, username) as (_paths, session):
        found = search(session.db, session.dek, query, today=today, limit=limit)
    cards = [(record, person_card(record, today)) for record in found]
    if as_json:
        print_json({"query": query, "count": len(cards), "persons": [person_json(r, c) for r, c in cards]})
        return
    if not cards:
        what = "此公民身份号码" if looks_like_id(query) else "姓名或拼音相符的人"
        click.echo(
            f"本乡镇参保信息中没有{what}：可能在外地参保或尚未参保。仍可受理业务，标记为“未核实”，上报后由市局核实。"
        )
        return
    if len(cards) == 1:
        for line in card_lines(cards[0][1]):
            click.echo(line)
        return
    click.echo(f"找到 {len(cards)} 人（用公民身份号码查看详情）：")
    for record, card in cards:
        values = dict(card.lines)
        click.echo(
            f"{record.name}　{record.id_number}　{values.get('性别、出生', '')}　"
            f"{values.get('户籍乡镇', '')}　{values.get('参保状态', '')}"
        )
