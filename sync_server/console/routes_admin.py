"""综合业务科 (administrators): stations, staff accounts and roles, the catalog in force.

One-time secrets (an enrolment code, a new password) are shown once in the answer to the
POST that made them, never put in a URL, a cookie or a redirect.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from schema.catalog import catalog_digest, load_catalog
from schema.divisions import load_divisions
from schema.rates import load_rates
from schema.vocabulary import Role, Section, Tier, label, labels
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, now_utc, redirect, require
from sync_server.console.templating import render
from sync_server.errors import ApiError
from sync_server.services.access import throttle as throttling
from sync_server.services.access import web_sessions
from sync_server.services.admin import reference, staff, station_overview, stations
from sync_server.services.feed.start_over import order_start_over
from sync_server.services.review import conflicts

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Admin = Annotated[ConsoleUser, Depends(require(Role.ADMIN))]
PostingAdmin = Annotated[ConsoleUser, Depends(require(Role.ADMIN, csrf=True))]


# ---- stations -----------------------------------------------------------------------------


@router.get(f"{PREFIX}/stations")
def station_list(request: Request, user: Admin, county: str = "") -> Response:
    divisions = load_divisions()
    chosen = county if county in {c.code for c in divisions.counties()} else None
    with request.app.state.db.read() as conn:
        rows = station_overview.station_rows(conn, county=chosen, now=now_utc())
        open_conflicts = conflicts.count_open(conn)
    return render(
        request,
        "console/stations.html",
        {"rows": rows, "counties": divisions.counties(), "county": chosen, "open_conflicts": open_conflicts},
    )


@router.get(f"{PREFIX}/stations/new")
def station_form(request: Request, user: Admin) -> Response:
    divisions = load_divisions()
    return render(
        request,
        "console/station_new.html",
        {"counties": divisions.counties(), "townships": divisions.townships(), "error": None, "values": {}},
    )


def _code_page(request: Request, issued: stations.IssuedCode, name: str, *, new: bool) -> Response:
    return render(
        request,
        "console/station_code.html",
        {
            "issued": issued,
            "name": name,
            "new": new,
            "hours": request.app.state.settings.enrolment_code_hours,
        },
    )


@router.post(f"{PREFIX}/stations")
def station_add(
    request: Request,
    user: PostingAdmin,
    township: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    settings = request.app.state.settings
    try:
        with request.app.state.db.write() as conn:
            issued = stations.add_station(
                conn,
                division=township,
                name=name,
                now=now_utc(),
                code_hours=settings.enrolment_code_hours,
                actor=user.username,
            )
    except stations.StationError as exc:
        divisions = load_divisions()
        return render(
            request,
            "console/station_new.html",
            {
                "counties": divisions.counties(),
                "townships": divisions.townships(),
                "error": exc.message,
                "code": exc.code,
                "values": {"township": township, "name": name},
            },
            status_code=422,
        )
    return _code_page(request, issued, name, new=True)


@router.post(f"{PREFIX}/stations/{{station_id}}/code")
def station_new_code(request: Request, station_id: str, user: PostingAdmin) -> Response:
    hours = request.app.state.settings.enrolment_code_hours
    with request.app.state.db.write() as conn:
        issued = stations.issue_enrolment_code(
            conn, station_id, now=now_utc(), hours=hours, actor=user.username
        )
        name = stations.get_station(conn, station_id).name
    return _code_page(request, issued, str(name), new=False)


@router.post(f"{PREFIX}/stations/{{station_id}}/revoke")
def station_revoke(request: Request, station_id: str, user: PostingAdmin) -> Response:
    with request.app.state.db.write() as conn:
        stations.revoke_station(conn, station_id, now=now_utc(), actor=user.username)
    return redirect(f"{PREFIX}/stations", "revoked")


@router.post(f"{PREFIX}/stations/{{station_id}}/start-over")
def station_start_over(
    request: Request, station_id: str, user: PostingAdmin, reason: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    with request.app.state.db.write() as conn:
        order_start_over(conn, station_id, user.username, reason=reason.strip(), now=now_utc())
    return redirect(f"{PREFIX}/stations", "start_over")


# ---- staff ------------------------------------------------------------------------------------


def _staff_page(request: Request, **extra: object) -> Response:
    with request.app.state.db.read() as conn:
        rows = staff.list_staff(conn)
        locks = web_sessions.login_locks(conn, now_utc())
        station_names = {s.id: s.name for s in stations.list_stations(conn)}
    context: dict[str, object] = {
        "rows": rows,
        "locks": locks,
        "station_names": station_names,
        "roles": labels(Role),
        "sections": labels(Section),
        "issued": None,
        "error": None,
        "values": {},
    }
    context.update(extra)
    return render(request, "console/staff.html", context, status_code=422 if extra.get("error") else 200)


@router.get(f"{PREFIX}/staff")
def staff_list(request: Request, user: Admin) -> Response:
    return _staff_page(request)


def _placement(role: str, station_id: str, section: str) -> tuple[str | None, str | None]:
    if role == Role.CLERK.value:
        return station_id.strip() or None, None
    if role in (Role.REVIEWER.value, Role.CHIEF.value):
        return None, section.strip() or None
    return None, None


@router.post(f"{PREFIX}/staff")
def staff_add(
    request: Request,
    *,
    user: PostingAdmin,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    station_id: Annotated[str, Form(max_length=16)] = "",
    section: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    station, placed = _placement(role, station_id, section)
    try:
        with request.app.state.db.write() as conn:
            issued = staff.add_staff(
                conn,
                username=username,
                role=role,
                station_id=station,
                section=placed,
                display_name=display_name or None,
                now=now_utc(),
                actor=user.username,
            )
    except staff.StaffError as exc:
        values = {"username": username, "display_name": display_name, "role": role, "station_id": station_id}
        return _staff_page(request, error=exc.message, code=exc.code, values={**values, "section": section})
    return _staff_page(request, issued=issued, issued_what="新账号")


@router.post(f"{PREFIX}/staff/{{username}}/{{action}}")
def staff_action(
    request: Request,
    username: str,
    action: str,
    *,
    user: PostingAdmin,
    role: Annotated[str, Form(max_length=16)] = "",
    station_id: Annotated[str, Form(max_length=16)] = "",
    section: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    now = now_utc()
    with request.app.state.db.write() as conn:
        if action in ("disable", "enable"):
            if action == "disable" and username == user.username:
                raise ApiError("request_invalid", "不能停用自己正在使用的账号。")
            staff.set_disabled(conn, username, action == "disable", now=now, actor=user.username)
            web_sessions.end_sessions(conn, username)
            notice = "staff_disabled" if action == "disable" else "staff_enabled"
        elif action == "reset":
            issued = staff.reset_password(conn, username, now=now, actor=user.username)
            throttling.reset(conn, web_sessions.login_key(username))
            web_sessions.end_sessions(conn, username)
            notice = ""
        elif action == "role":
            station, placed = _placement(role, station_id, section)
            staff.change_role(
                conn, username, role, station_id=station, section=placed, now=now, actor=user.username
            )
            web_sessions.end_sessions(conn, username)
            notice = "role_changed"
        else:
            raise ApiError("not_found")
    if not notice:
        return _staff_page(request, issued=issued, issued_what="重置后的一次性密码")
    return redirect(f"{PREFIX}/staff", notice)


# ---- catalog ----------------------------------------------------------------------------------


@router.get(f"{PREFIX}/catalog")
def catalog_page(request: Request, user: Admin) -> Response:
    catalog, book = load_catalog(), load_rates()
    with request.app.state.db.read() as conn:
        published = reference.published_versions(conn)
    by_section: dict[str, int] = {}
    for item in catalog.items:
        if item.tier is Tier.COMPLEX and item.section is not None:
            by_section[label(item.section)] = by_section.get(label(item.section), 0) + 1
    return render(
        request,
        "console/catalog.html",
        {
            "catalog": catalog,
            "digest": catalog_digest(catalog),
            "rates_version": book.version,
            "published": published,
            "general": sum(1 for i in catalog.items if i.tier is Tier.GENERAL),
            "complex": sum(1 for i in catalog.items if i.tier is Tier.COMPLEX),
            "by_section": sorted(by_section.items(), key=lambda kv: -kv[1]),
        },
    )
