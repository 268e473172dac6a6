"""稽核: the auditor's list of anti-fraud cases and the page where each is decided.

``/console/audit`` lists the cases, open ones first, filtered by kind and status;
``/console/audit/{id}`` shows the evidence (the department's row and its file, the
benefits, the persons on a shared account) and what confirming would recover. Confirming
(optional stated amount) and dismissing (a reason is required) are CSRF-checked POSTs; the
service decides, audits and tells the person's township. A refusal comes back on the case
page as a coded Chinese alert with what was typed kept.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from schema.fraud_error_codes import FRAUD_ERROR_CODES
from schema.normalize import clean_text
from schema.person_records import BenefitKind, record_label
from schema.vocabulary import Role
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, now_utc, redirect, require
from sync_server.console.templating import render
from sync_server.core.fraud.findings import FRAUD_KIND_LABELS, FraudKind
from sync_server.errors import ApiError
from sync_server.services.fraud import cases
from sync_server.services.fraud.case_view import case_view
from sync_server.services.records.person_view import mask_id_number

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Auditor = Annotated[ConsoleUser, Depends(require(Role.AUDITOR))]
PostingAuditor = Annotated[ConsoleUser, Depends(require(Role.AUDITOR, csrf=True))]
STATUS_LABELS = {"open": "待处理", "confirmed": "已确认（追回）", "dismissed": "已排除"}
BENEFIT_LABELS = {k.value: record_label(k) for k in BenefitKind}
KIND_LABELS = {k.value: v for k, v in FRAUD_KIND_LABELS.items() if k is not FraudKind.NO_CERTIFICATION}


@router.get(f"{PREFIX}/audit")
def audit_list(request: Request, user: Auditor, *, status: str = "open", kind: str = "") -> Response:
    chosen_status = status if status in STATUS_LABELS else ""  # "" (or anything else): every status
    chosen_kind = kind if kind in KIND_LABELS else ""
    with request.app.state.db.read() as conn:
        rows = cases.list_cases(conn, status=chosen_status or None, kind=chosen_kind or None, limit=500)
        counts = cases.count_cases(conn)
    return render(
        request,
        "console/audit.html",
        {
            "rows": rows,
            "counts": counts,
            "status": chosen_status,
            "kind": chosen_kind,
            "statuses": STATUS_LABELS,
            "kinds": KIND_LABELS,
            "shown_id": mask_id_number,  # the list masks; the case page shows who it is about
        },
    )


def _page(request: Request, case_id: int, *, status_code: int = 200, **extra: Any) -> Response:
    with request.app.state.db.read() as conn:
        view = case_view(conn, case_id)
    context = {
        "view": view, "statuses": STATUS_LABELS, "benefit_labels": BENEFIT_LABELS, "error": None, "typed": {},
        **extra,
    }  # fmt: skip
    return render(request, "console/audit_case.html", context, status_code=status_code)


@router.get(f"{PREFIX}/audit/{{case_id}}")
def audit_case(request: Request, user: Auditor, case_id: int) -> Response:
    return _page(request, case_id)


def _refused(request: Request, case_id: int, exc: ApiError, typed: dict[str, str]) -> Response:
    error = {"code": exc.code, "message": exc.message}
    return _page(request, case_id, status_code=exc.status, error=error, typed=typed)


def _text(reason: str) -> str:
    """A reason as typed, runs of white space (full-width too) made one; punctuation kept."""
    return " ".join(reason.split())


def _amount(text: str) -> Decimal | None:
    """The stated amount (full-width digits, spaces and thousands commas allowed); None: blank."""
    cleaned = clean_text(text).replace(",", "").replace(" ", "").removesuffix("元")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ApiError(
            "fraud_amount_invalid", FRAUD_ERROR_CODES["fraud_amount_invalid"][1], {"amount": text}, status=422
        ) from None
    if not value.is_finite():
        raise ApiError(
            "fraud_amount_invalid", FRAUD_ERROR_CODES["fraud_amount_invalid"][1], {"amount": text}, status=422
        )
    return value


@router.post(f"{PREFIX}/audit/{{case_id}}/confirm")
def audit_confirm(
    request: Request,
    user: PostingAuditor,
    case_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    typed = {"reason": reason, "amount": amount}
    try:
        stated = _amount(amount)
        with request.app.state.db.write() as conn:
            cases.confirm_case(
                conn, case_id, actor=user.username, at=now_utc(), reason=_text(reason), amount=stated
            )
    except ApiError as exc:
        return _refused(request, case_id, exc, typed)
    return redirect(f"{PREFIX}/audit/{case_id}", "fraud_confirmed")


@router.post(f"{PREFIX}/audit/{{case_id}}/dismiss")
def audit_dismiss(
    request: Request,
    user: PostingAuditor,
    case_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        with request.app.state.db.write() as conn:
            cases.dismiss_case(conn, case_id, actor=user.username, at=now_utc(), reason=_text(reason))
    except ApiError as exc:
        return _refused(request, case_id, exc, {"reason": reason})
    return redirect(f"{PREFIX}/audit/{case_id}", "fraud_dismissed")
