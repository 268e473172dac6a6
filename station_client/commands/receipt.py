"""``station-client receipt ID --out FILE.pdf``: print a case's receipt again, to a file,
as the window's 重印 buttons do (``services/receipt_pdf``: the sealed record rendered,
its number signed in the QR code).

``ID`` is a 受理编号 (or its last part) or a 缴费收据 number (``…-F0003``). A case prints
its 受理回执 or 办结单 unless ``--kind`` names another: 缴费收据, and the notices the case
stands on now, 补正告知书 after a return and 办结通知书 after a decision
(``services/receipt_pdf.case_notice_pdf``). The 办结单 of a case held for 综合业务科 is
not offered, as in the window. A 缴费通知单 is named by its 22-digit 缴费参考号 with
``--kind notice`` (``services/payment_notice_pdf``). Without ``--out`` the file goes where the window puts printed files
(``<home>/exports/``, removed after a day).
"""

from __future__ import annotations

from pathlib import Path

import click

from schema.normalize import clean_text
from station_client.commands.common import (
    Failure,
    case_id_of,
    desk,
    guarded,
    home_option,
    json_option,
    now,
    print_json,
    user_option,
)
from station_client.core.case_notices import NOTICE_WORDS, notices_for
from station_client.services import payment_notice_pdf, receipt_pdf, reference
from station_client.services.case_detail import RECEIPT_WORDS, case_detail
from station_client.services.caselist import load
from station_client.services.receipt_pdf import Printable
from station_client.services.session import Session

_MAIN_FIRST = ("acceptance", "completion", "payment")
KIND_WORDS = {**RECEIPT_WORDS, **NOTICE_WORDS, payment_notice_pdf.KIND: "缴费通知单"}


def _kind_code(given: str) -> str:
    key = clean_text(given).lower()
    for code, words in KIND_WORDS.items():
        if key in (code, words):
            return code
    choices = "、".join(f"{words}（{code}）" for code, words in KIND_WORDS.items())
    raise Failure("receipt_kind_unknown", f"没有“{given}”这种回执或告知书：可选 {choices}。", {"kind": given})


def documents_of(session: Session, case_id: str) -> tuple[str, dict[str, str]]:
    """The case's number and what it can print now: kind → receipt number (or the case id
    for a notice), as the case detail offers them."""
    detail = case_detail(session.db, session.dek, reference.catalog(session.db), case_id, now=now())
    found = {code: n for n, words in detail.receipts for code, w in RECEIPT_WORDS.items() if w == words}
    row, doc = load(session.db, session.dek, case_id)
    decided = None if doc.decision is None else doc.decision.status
    found |= dict.fromkeys(notices_for(row.status, decided), case_id)
    return detail.summary.case_number, found


def _printable(session: Session, ref: str, kind: str | None) -> Printable:
    """The document to print for what the clerk named."""
    if kind is not None and _kind_code(kind) == payment_notice_pdf.KIND:  # named by its reference
        return payment_notice_pdf.payment_notice_pdf(session.db, session.dek, ref)
    try:
        case_id = case_id_of(session, ref)
    except Failure as failure:
        if failure.code != "case_not_found" or kind is not None:
            raise
        # a 缴费收据 number (``…-F0003``): receipt_pdf says when there is none
        return receipt_pdf.receipt_pdf(session.db, session.dek, clean_text(ref).upper())
    number, found = documents_of(session, case_id)
    wanted = _kind_code(kind) if kind is not None else next((k for k in _MAIN_FIRST if k in found), None)
    if wanted is None or wanted not in found:
        have = "、".join(KIND_WORDS[k] for k in found) or "没有可打印的回执"
        what = KIND_WORDS[wanted] if wanted else "回执"
        raise Failure(
            "receipt_not_found",
            f"业务 {number} 现在没有可打印的{what}（本业务可打印：{have}）：请用 --kind 选择其中一种。",
            {"case_number": number, "kinds": list(found)},
        )
    if wanted in NOTICE_WORDS:
        return receipt_pdf.case_notice_pdf(
            session.db, session.dek, case_id, wanted, clerk=session.display_name, now=now()
        )
    return receipt_pdf.receipt_pdf(session.db, session.dek, found[wanted])


@click.command("receipt")
@home_option
@user_option
@click.argument("ref", metavar="受理编号或收据号")
@click.option(
    "--kind",
    default=None,
    help="种类：受理回执、办结单、缴费收据、补正告知书、办结通知书、缴费通知单（或 acceptance、completion、payment、supplement_notice、decision_notice、notice；缴费通知单按 22 位缴费参考号）。",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PDF 文件路径（默认写到数据目录的 exports/，一天后自动删除）。",
)
@json_option
@guarded
def receipt(
    *, home: str | None, username: str, ref: str, kind: str | None, out: Path | None, as_json: bool
) -> None:
    """重新打印一件业务的回执或收据到 PDF 文件（与窗口“重印”相同，带签章二维码）。"""
    with desk(home, username) as (paths, session):
        printable = _printable(session, ref, kind)
        number = printable.number
        if out is None:
            target = receipt_pdf.export(paths, f"{number}-{printable.kind}", printable.pdf)
        else:
            out.write_bytes(printable.pdf)
            target = out
    words = KIND_WORDS.get(printable.kind, printable.kind)
    if as_json:
        print_json(
            {
                "number": number,
                "kind": printable.kind,
                "kind_label": words,
                "path": str(target),
                "bytes": len(printable.pdf),
            }
        )
    else:
        click.echo(f"已生成{words} {number}：{target}（请用 PDF 阅读器打开后打印）")
