"""Jinja2 for the console: one environment, autoescaped, with the filters the pages share.

Times are stored in UTC and shown in Beijing time; codes are shown with their Chinese
names (divisions, sections, statuses, roles). Pages are rendered by :func:`render`, which
adds the signed-in user, the CSRF token and a one-shot notice to every template.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from schema.divisions import load_divisions
from schema.lifecycle import CaseStatus
from schema.vocabulary import Role, Section, labels
from sync_server.core.clock import BEIJING
from sync_server.core.date_text import day_text, month_text
from sync_server.core.queue_filters import mask_id_number
from sync_server.services.admin.staff_names import display_names, name_of

_SECTIONS = labels(Section)
_ROLES = labels(Role)


def beijing(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(BEIJING).strftime(fmt)


def day(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else "—"


def division(code: str | None) -> str:
    if not code:
        return "—"
    found = load_divisions().find(code)
    return found.name if found is not None else code


def status_label(value: str | None) -> str:
    try:
        return CaseStatus(value).label if value else "—"
    except ValueError:
        return str(value)


def money(value: Decimal | float | str | None) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)):,.2f}"


def ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """“3 小时前”, for the last push and pull of a station."""
    if value is None:
        return "从未"
    seconds = ((now or dt.datetime.now(dt.UTC)) - value).total_seconds()
    if seconds < 90:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)} 分钟前"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.0f} 小时前"
    return f"{seconds / 86400:.0f} 天前"


def hours(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 60:.0f} 分钟"
    if value < 48:
        return f"{value:.1f} 小时"
    return f"{value / 24:.1f} 天"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class People:
    """Display names by username for one page, read once and only if the page shows a person."""

    def __init__(self, load: Callable[[], dict[str, str]]) -> None:
        self._load = load
        self._names: dict[str, str] | None = None

    def name(self, username: str | None) -> str:
        if not username:
            return "—"
        if self._names is None:
            self._names = self._load()
        return name_of(self._names, username)


@jinja2.pass_context
def who(context: Any, username: str | None) -> str:
    """``{{ case.clerk|who }}``: the person's name (``system`` → 系统), else the username."""
    people = context.get("people")
    return people.name(username) if isinstance(people, People) else (username or "—")


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sync_server", "templates"),
        autoescape=jinja2.select_autoescape(("html", "svg")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        beijing=beijing,
        day=day,
        division=division,
        section=lambda v: _SECTIONS.get(v, v) if v else "—",
        role=lambda v: _ROLES.get(v, v) if v else "—",
        status=status_label,
        money=money,
        mask=mask_id_number,
        ago=ago,
        hours=hours,
        percent=percent,
        who=who,
        cn_day=day_text,
        cn_month=month_text,
    )
    env.globals.update(section_labels=_SECTIONS, role_labels=_ROLES)
    return env


@functools.cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    user = getattr(request.state, "console_user", None)

    def names() -> dict[str, str]:
        with request.app.state.db.read() as conn:
            return display_names(conn)

    base: dict[str, Any] = {
        "people": People(names),
        "user": user,
        "csrf_token": user.csrf_token if user is not None else "",
        "notice": getattr(request.state, "console_notice", None),
        "htmx": request.headers.get("HX-Request") == "true",
        "now": dt.datetime.now(dt.UTC),
    }
    base.update(context or {})
    response = templates().TemplateResponse(request, name, base, status_code=status_code, headers=headers)
    return response
