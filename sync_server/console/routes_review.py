"""Reviewers and section chiefs: the queue, the case page, claiming, deciding, the workload.

Thin: each route parses the request, calls one service function in one transaction
(``services.review``, ``services.review_queue``, ``services.case_view``) and renders or
redirects. Refusals are the services' coded errors, rendered by ``ConsoleRoute``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from schema.catalog import load_catalog
from schema.divisions import load_divisions
from schema.errors import ContractError
from schema.lifecycle import CaseEvent
from schema.vocabulary import Role, Section, labels
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, now_utc, redirect, require
from sync_server.console.templating import render
from sync_server.core.clock import beijing_date
from sync_server.core.date_text import iso_day
from sync_server.core.queue_filters import Tab, parse_cursor, parse_filters, section_items
from sync_server.errors import ApiError, status_for
from sync_server.services.ingest.attachments import read_attachment
from sync_server.services.review import case_view
from sync_server.services.review import chief as review_chief
from sync_server.services.review import decide as review
from sync_server.services.review import queue as review_queue

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
_REVIEWERS = (Role.REVIEWER, Role.CHIEF)
Reviewer = Annotated[ConsoleUser, Depends(require(*_REVIEWERS))]
PostingReviewer = Annotated[ConsoleUser, Depends(require(*_REVIEWERS, csrf=True))]
Chief = Annotated[ConsoleUser, Depends(require(Role.CHIEF))]
PostingChief = Annotated[ConsoleUser, Depends(require(Role.CHIEF, csrf=True))]
CaseReader = Annotated[ConsoleUser, Depends(require(*_REVIEWERS, Role.ADMIN))]
DECISIONS = {
    "approve": (CaseEvent.APPROVE, "approved"),
    "reject": (CaseEvent.REJECT, "rejected"),
    "return": (CaseEvent.RETURN_FOR_SUPPLEMENT, "returned"),
}


def _section(user: ConsoleUser) -> Section:
    assert user.section is not None  # reviewers and chiefs always have one
    return user.section


def _case_url(case_id: str) -> str:
    return f"{PREFIX}/cases/{quote(case_id)}"


@router.get(f"{PREFIX}/queue")
def queue(request: Request, user: Reviewer) -> Response:
    section = _section(user)
    catalog = load_catalog()
    params = dict(request.query_params)
    if "due_before" in params:  # typed as 2026年3月1日 (or ISO, or with full-width digits)
        params["due_before"] = iso_day(params["due_before"])
    filters = parse_filters(params, catalog=catalog, section=section)
    with request.app.state.db.read() as conn:
        page = review_queue.queue_page(
            conn,
            section=section.value,
            username=user.username,
            filters=filters,
            after=parse_cursor(params.get("after")),
            now=now_utc(),
        )
    divisions = load_divisions()
    items = section_items(catalog, section)
    context = {
        "filters": filters,
        "page": page,
        "tabs": list(Tab),
        "counties": divisions.counties(),
        "townships": divisions.townships(filters.county) if filters.county else [],
        "items": items,
        "item_names": {i.code: i.name for i in catalog.items},
        "first_page": "after" not in params,
    }
    partial = (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "queue-panel"
    )
    return render(request, "console/_queue_panel.html" if partial else "console/queue.html", context)


@router.get(f"{PREFIX}/townships")
def township_options(request: Request, user: Reviewer, county: str = "") -> Response:
    divisions = load_divisions()
    valid = {c.code for c in divisions.counties()}
    townships = divisions.townships(county) if county in valid else []
    return render(request, "console/_township_options.html", {"townships": townships, "selected": ""})


@router.post(f"{PREFIX}/cases/{{case_id}}/claim")
def claim(request: Request, case_id: str, user: PostingReviewer) -> Response:
    with request.app.state.db.write() as conn:
        review.claim(conn, case_id, actor=user.actor, now=now_utc())
    return redirect(_case_url(case_id), "claimed")


def _status(error: ContractError) -> int:
    return error.status if isinstance(error, ApiError) else status_for(error.code, 422)


def _case_page(
    request: Request,
    case_id: str,
    user: ConsoleUser,
    *,
    error: ContractError | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    """The case page; after a refused decision, with the refusal beside the form and what was typed."""
    with request.app.state.db.read() as conn:
        view = case_view.case_view(conn, case_id, user.actor)
        assignees = (
            review_chief.staff_of_section(conn, view.row.section)
            if CaseEvent.REASSIGN in view.actions and view.row.section
            else []
        )
    return render(
        request,
        "console/case.html",
        {
            "view": view,
            "case": view.row,
            "events": CaseEvent,
            "assignees": [a for a in assignees if a.username != view.row.clerk],
            "sections": labels(Section),
            "today": beijing_date(now_utc()),
            "error": error,
            "error_field": (error.detail.get("field") if error is not None else None),
            "typed": typed or {"reason": "", "missing": []},
        },
        status_code=_status(error) if error is not None else 200,
    )


@router.get(f"{PREFIX}/cases/{{case_id}}")
def case_page(request: Request, case_id: str, user: CaseReader) -> Response:
    return _case_page(request, case_id, user)


@router.get(f"{PREFIX}/cases/{{case_id}}/scans/{{sha256}}")
def scan(request: Request, case_id: str, sha256: str, user: CaseReader) -> Response:
    with request.app.state.db.read() as conn:
        ref = case_view.scan_of(conn, case_id, sha256, user.actor)
        content = read_attachment(conn, sha256)
    filename = quote(str(ref.get("filename") or f"{sha256[:12]}"))
    media = str(ref["media_type"])
    # Images get a policy that allows nothing else; a PDF only the frame rule, because the
    # browser's own PDF viewer runs inside the document and a stricter policy blanks it.
    policy = (
        "frame-ancestors 'self'"
        if media == "application/pdf"
        else "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    )
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{filename}",
            "Cache-Control": "private, max-age=600",
            "Content-Security-Policy": policy,
        },
    )


@router.post(f"{PREFIX}/cases/{{case_id}}/decision")
def decide(
    request: Request,
    case_id: str,
    *,
    user: PostingReviewer,
    decision: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    missing: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        if decision not in DECISIONS:
            raise ApiError("request_invalid", "请选择审核决定：核准、驳回或退回补正。", {"field": "decision"})
        event, notice = DECISIONS[decision]
        with request.app.state.db.write() as conn:
            review.decide(
                conn, case_id, event, actor=user.actor, now=now_utc(), reason=reason, missing=missing or []
            )
    except ContractError as exc:
        # Back on the case page, the refusal beside the form and nothing typed lost; a case
        # this user may not open at all gets the plain refusal page.
        try:
            typed = {"reason": reason, "missing": missing or []}
            return _case_page(request, case_id, user, error=exc, typed=typed)
        except ContractError:
            raise exc from None
    return redirect(_case_url(case_id), notice)


@router.post(f"{PREFIX}/cases/{{case_id}}/reassign")
def reassign(
    request: Request, case_id: str, user: PostingChief, assignee: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    with request.app.state.db.write() as conn:
        review_chief.reassign(conn, case_id, assignee, actor=user.actor, now=now_utc())
    return redirect(_case_url(case_id), "reassigned")


@router.post(f"{PREFIX}/cases/{{case_id}}/release")
def release(request: Request, case_id: str, user: PostingChief) -> Response:
    with request.app.state.db.write() as conn:
        review_chief.release(conn, case_id, actor=user.actor, now=now_utc())
    return redirect(_case_url(case_id), "released")


@router.post(f"{PREFIX}/cases/{{case_id}}/route")
def reroute(
    request: Request,
    case_id: str,
    *,
    user: PostingChief,
    section: Annotated[str, Form(max_length=24)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    with request.app.state.db.write() as conn:
        review_chief.reroute(conn, case_id, section, actor=user.actor, now=now_utc(), note=note)
    return redirect(f"{PREFIX}/queue", "rerouted")


@router.get(f"{PREFIX}/workload")
def workload(request: Request, user: Chief) -> Response:
    section = _section(user)
    with request.app.state.db.read() as conn:
        load = review_queue.workload(conn, section.value, now=now_utc())
    return render(request, "console/workload.html", {"load": load})
