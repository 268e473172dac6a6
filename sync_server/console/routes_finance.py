"""基金财务: the month's plans for the fund's finance staff (maker and checker).

One page, ``/console/finance?month=YYYY-MM``, in sections: the payment plan (支付计划,
``finance_payment.html``), and the sections other parts add (征缴计划, 入账与月结, 日结存款对账
and 缴费通知单 in ``finance_deposits.html``). Each
section's data comes from its service; this module only calls them. Posting routes
(prepare, approve, export, import a returned bank file) are CSRF-checked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from schema.daily_close import difference_words
from schema.vocabulary import InsuranceType, Role, labels
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, now_utc, redirect, require
from sync_server.console.templating import beijing, render
from sync_server.core.clock import beijing_date
from sync_server.core.date_text import parse_month
from sync_server.core.deposit_matching import RULE_LABELS
from sync_server.core.payroll import REASONS
from sync_server.errors import ApiError
from sync_server.services.finance import bank_return, deposits, dues_feed, month_close, notices, payment
from sync_server.services.finance.collection_view import collection_view

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
FINANCE_ROLES = (Role.FINANCE_MAKER, Role.FINANCE_CHECKER)
Finance = Annotated[ConsoleUser, Depends(require(*FINANCE_ROLES))]
PostingFinance = Annotated[ConsoleUser, Depends(require(*FINANCE_ROLES, csrf=True))]
FinanceMaker = Annotated[ConsoleUser, Depends(require(Role.FINANCE_MAKER, csrf=True))]
MonthField = Annotated[str, Form(max_length=7, pattern=r"^\d{4}-\d{2}$")]
KIND_LABELS = {
    "employee_pension": "职工基本养老金", "resident_pension": "城乡居民养老金", "unemployment_benefit": "失业保险金",
    "disability_allowance": "伤残津贴", "survivor_pension": "供养亲属抚恤金", "illness_disability_allowance": "病残津贴",
    "nursing_allowance": "生活护理费", "survivor_allowance": "遗属待遇", "funeral_grant": "丧葬补助金",
    "survivor_lump_sum": "一次性抚恤金", "work_injury_lump_sum": "一次性工亡补助金",
    "disability_lump_sum": "一次性伤残补助金", "account_refund": "个人账户余额退还", "fee_refund": "退费",
    "claim_payment": "费用报销、补助",
}  # fmt: skip


def chosen_month(text: str, today: dt.date) -> tuple[str, list[str]]:
    """The month asked for (``2025年3月``, ``2025-03``…) as ``YYYY-MM``, else the current one
    with a note saying so."""
    try:
        return parse_month(text), []
    except ValueError:
        notes = ["月份应写成“2025年3月”或“2025-03”，已显示本月。"] if text.strip() else []
        return today.strftime("%Y-%m"), notes


def page(request: Request, month: str, notes: list[str], **extra: Any) -> Response:
    """The whole page of ``month``: every section's data gathered here."""
    context: dict[str, Any] = {"month": month, "notes": notes, **extra}
    with request.app.state.db.read() as conn:
        context.update(payment_section(conn, month))
        context.update(journal=month_close.month_view(conn, month))
        context.update(collection_section(conn, month))
        context.update(deposits_section(conn, month))
    return render(request, "console/finance.html", context)


def payment_section(conn: Any, month: str) -> dict[str, Any]:
    view = payment.plan_view(conn, month)
    banks = (
        [f.bank_name for f in payment.exported_files(conn, month)]
        if view and view.status == "exported"
        else []
    )
    return {"payment": view, "payment_banks": banks, "pay_reasons": REASONS, "kinds": KIND_LABELS}


@router.get(f"{PREFIX}/finance")
def finance_page(request: Request, user: Finance, *, month: str = "") -> Response:
    chosen, notes = chosen_month(month, beijing_date(now_utc()))
    return page(request, chosen, notes)


# ---- 支付计划 ----------------------------------------------------------------------------


def _back(month: str) -> Response:
    return redirect(f"{PREFIX}/finance?month={month}#payment")


@router.post(f"{PREFIX}/finance/payment/build")
def payment_build(request: Request, user: PostingFinance, month: MonthField) -> Response:
    with request.app.state.db.write() as conn:
        payment.build(conn, month, maker=user.username, now=now_utc())
    return _back(month)


@router.post(f"{PREFIX}/finance/payment/approve")
def payment_approve(request: Request, user: PostingFinance, month: MonthField) -> Response:
    with request.app.state.db.write() as conn:
        payment.approve(conn, month, checker=user.username, now=now_utc())
    return _back(month)


@router.post(f"{PREFIX}/finance/payment/export")
def payment_export(request: Request, user: PostingFinance, month: MonthField) -> Response:
    with request.app.state.db.write() as conn:
        payment.export(conn, month, by=user.username, now=now_utc())
    return _back(month)


@router.get(f"{PREFIX}/finance/payment/bank.csv")
def payment_bank_file(request: Request, user: Finance, *, month: str, bank: str) -> Response:
    with request.app.state.db.read() as conn:
        files = {f.bank_name: f for f in payment.exported_files(conn, month)}
    chosen = files.get(bank)
    if chosen is None:
        return page(request, month, [f"{month} 的支付计划没有“{bank}”的代发文件：请从列表中选择银行。"])
    name = quote(f"{month}_{bank}.csv")
    return Response(
        chosen.text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


@router.post(f"{PREFIX}/finance/payment/returned")
async def payment_returned(
    request: Request, user: PostingFinance, month: MonthField, file: UploadFile
) -> Response:
    raw = await file.read(20_000_000)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return page(
            request, month, ["退票文件不是 UTF-8 编码的 CSV：请向银行索取 UTF-8 编码的文件后重新导入。"]
        )
    return await run_in_threadpool(_import_returned, request, user, month, text)


def _import_returned(request: Request, user: ConsoleUser, month: str, text: str) -> Response:
    try:
        with request.app.state.db.write() as conn:
            result = bank_return.import_returned(conn, month, text, by=user.username, now=now_utc())
    except ApiError as exc:
        problems = [
            f"第 {p['line']} 行（{p['code']}）：{p['message']}" for p in exc.detail.get("problems", [])
        ]
        return page(request, month, [f"错误（{exc.code}）：{exc.message}", *problems])
    return page(
        request,
        month,
        [f"已导入退票 {result.returned} 笔、{result.total:,.2f} 元，已重新列为应付，下月计划再发放。"],
    )


# ---- 入账与月结 ---------------------------------------------------------------------------


@router.post(f"{PREFIX}/finance/journal/post")
def journal_post(request: Request, user: PostingFinance, month: MonthField) -> Response:
    with request.app.state.db.write() as conn:
        entries, lines = month_close.journal_post(conn, actor=user.username, now=now_utc(), up_to=month)
    return page(
        request,
        month,
        [f"入账完成：新增分录 {entries} 笔、{lines} 行。" if entries else "没有需要入账的业务。"],
    )


@router.post(f"{PREFIX}/finance/journal/close")
def month_close_post(request: Request, user: PostingFinance, month: MonthField) -> Response:
    try:
        with request.app.state.db.write() as conn:
            month_close.close_month(conn, month, actor=user.username, now=now_utc())
    except ApiError as exc:
        return page(request, month, [f"错误（{exc.code}）：{exc.message}"])
    return page(request, month, [f"{month} 已月结：各基金试算平衡，该月已锁定。"])


# ---- 征缴计划 ----------------------------------------------------------------------------


def collection_section(conn: Any, month: str) -> dict[str, Any]:
    view = collection_view(conn, month, beijing_date(now_utc()))
    return {"collection": view, "insurance_labels": labels(InsuranceType)}


@router.post(f"{PREFIX}/finance/collection/build")
def collection_build(request: Request, user: FinanceMaker, month: MonthField) -> Response:
    try:
        with request.app.state.db.write() as conn:
            result = dues_feed.build_plan_and_dues(conn, month, actor=user.username, now=now_utc())
    except ApiError as exc:
        return page(request, month, [f"错误（{exc.code}）：{exc.message}"])
    diff = result.diff
    note = (
        f"{month} 征缴计划已生成：新增 {len(diff.added)} 行、变更 {len(diff.changed)} 行、删除 {len(diff.removed)} 行。"
        if result.changed
        else f"{month} 征缴计划与记录一致，没有变化。"
    )
    return page(request, month, [note], collection_skipped=result.plan.skipped)


# ---- 日结存款对账 and 缴费通知单 ------------------------------------------------------------


def deposits_section(conn: Any, month: str) -> dict[str, Any]:
    return {
        "deposits": deposits.deposits_view(conn, month, now=now_utc()),
        "notices": notices.notices_view(conn, month),
        "difference_words": difference_words,
        "rule_labels": RULE_LABELS,
    }


async def _upload_text(file: UploadFile) -> str | None:
    try:
        return (await file.read(20_000_000)).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _refused(request: Request, month: str, exc: ApiError) -> Response:
    problems = [f"第 {p['line']} 行（{p['code']}）：{p['message']}" for p in exc.detail.get("problems", [])]
    return page(request, month, [f"错误（{exc.code}）：{exc.message}", *problems])


@router.post(f"{PREFIX}/finance/deposits/import")
async def deposits_import(
    request: Request, user: PostingFinance, month: MonthField, file: UploadFile
) -> Response:
    text = await _upload_text(file)
    if text is None:
        return page(
            request, month, ["存款到账文件不是 UTF-8 编码的 CSV：请向银行索取 UTF-8 编码的文件后重新导入。"]
        )
    return await run_in_threadpool(_import_deposits, request, user, month, text, file.filename or "")


def _import_deposits(request: Request, user: ConsoleUser, month: str, text: str, name: str) -> Response:
    try:
        with request.app.state.db.write() as conn:
            result = deposits.import_deposits(conn, text, file_name=name, by=user.username, now=now_utc())
    except ApiError as exc:
        return _refused(request, month, exc)
    if result.already_imported:
        note = f"该文件已于 {beijing(result.imported_at)} 由 {result.imported_by} 导入过，本次未作任何改动。"
    else:
        note = (f"已导入存款 {result.lines} 笔、{result.total:,.2f} 元（其中 {result.lines - result.new_lines} 笔此前已导入），"
                f"新对上 {result.matched} 组。")  # fmt: skip
    return page(request, month, [note])


@router.post(f"{PREFIX}/finance/deposits/match")
def deposits_match(request: Request, user: PostingFinance, month: MonthField) -> Response:
    with request.app.state.db.write() as conn:
        found = deposits.match_open(conn, by=user.username, now=now_utc())
    return page(request, month, [f"新对上 {len(found)} 组。" if found else "没有新对上的日结和存款。"])


@router.post(f"{PREFIX}/finance/notices/paid")
async def notices_paid(
    request: Request, user: PostingFinance, month: MonthField, file: UploadFile
) -> Response:
    text = await _upload_text(file)
    if text is None:
        return page(
            request, month, ["缴费确认文件不是 UTF-8 编码的 CSV：请向银行索取 UTF-8 编码的文件后重新导入。"]
        )
    return await run_in_threadpool(_import_paid, request, user, month, text, file.filename or "")


def _import_paid(request: Request, user: ConsoleUser, month: str, text: str, name: str) -> Response:
    try:
        with request.app.state.db.write() as conn:
            result = notices.import_confirmations(conn, text, file_name=name, by=user.username, now=now_utc())
    except ApiError as exc:
        return _refused(request, month, exc)
    if result.already_imported:
        return page(
            request,
            month,
            [f"该文件已于 {beijing(result.imported_at)} 由 {result.imported_by} 导入过，本次未作任何改动。"],
        )
    lines = [f"已入账 {result.paid} 笔、{result.paid_total:,.2f} 元，缴费记录已写入。"]
    lines += [
        f"第 {p['line']} 行 参考号 {p['reference']}（{p['code']}）：{p['message']}" for p in result.problems
    ]
    return page(request, month, lines)
