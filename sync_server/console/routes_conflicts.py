"""综合业务科: conflict cases (a stale registry update) side by side, and their resolution."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from schema.catalog import load_catalog
from schema.vocabulary import Role
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, now_utc, redirect, require
from sync_server.console.templating import render
from sync_server.services.review import conflicts

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Admin = Annotated[ConsoleUser, Depends(require(Role.ADMIN))]
PostingAdmin = Annotated[ConsoleUser, Depends(require(Role.ADMIN, csrf=True))]


@router.get(f"{PREFIX}/conflicts")
def conflict_list(request: Request, user: Admin, status: str = "open") -> Response:
    chosen = status if status in ("open", "resolved") else "open"
    with request.app.state.db.read() as conn:
        rows = conflicts.list_conflicts(conn, status=chosen)
    return render(
        request,
        "console/conflicts.html",
        {"rows": rows, "status": chosen, "reasons": conflicts.REASONS, "reason_of": conflicts.reason_of},
    )


@router.get(f"{PREFIX}/conflicts/{{conflict_id}}")
def conflict_page(request: Request, conflict_id: int, user: Admin) -> Response:
    with request.app.state.db.read() as conn:
        view = conflicts.conflict_view(conn, conflict_id)
    return render(
        request,
        "console/conflict.html",
        {
            "view": view,
            "conflict": view.conflict,
            "case": view.case,
            "item": load_catalog().item(view.case.item_code),
            "resolutions": conflicts.RESOLUTIONS,
        },
    )


@router.post(f"{PREFIX}/conflicts/{{conflict_id}}/resolve")
def conflict_resolve(
    request: Request,
    conflict_id: int,
    *,
    user: PostingAdmin,
    choice: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    with request.app.state.db.write() as conn:
        conflicts.resolve(conn, conflict_id, choice, actor=user.actor, now=now_utc(), note=note)
    return redirect(f"{PREFIX}/conflicts", "conflict_resolved")
