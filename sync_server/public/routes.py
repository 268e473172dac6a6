"""The public pages' routes: each counts the look-up, calls one service, renders one page.

Every answer carries strict headers: no caching (the page shows a case's status), no
referrer (the URL holds the code), no framing, no indexing. A citizen never sees JSON: a
database that cannot take the look-up now, or anything unexpected, is a page in Chinese
too (:class:`PublicRoute`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

from schema.document_seal import SealError
from schema.public_case import ID_TAIL_LENGTH
from sync_server.core.clock import BEIJING
from sync_server.db.busy import DATABASE_BUSY, busy_error, log_busy
from sync_server.errors import ApiError
from sync_server.services.public import limits, progress, verify
from sync_server.services.public.limits import Limit, Pruning
from sync_server.services.public.progress import ProgressLimits

log = logging.getLogger("sync_server.public")

STATIC_PATH = "/public-static"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}


def _fen(value: Decimal) -> str:
    return f"{value:,.2f}"


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = value.astimezone(BEIJING).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _moment(value: dt.datetime | None) -> str:
    return "—" if value is None else f"{value.astimezone(BEIJING):%Y年%m月%d日 %H:%M}"


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sync_server", "templates"),
        autoescape=jinja2.select_autoescape(("html",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(yuan=_fen, day=_day, moment=_moment)
    env.globals.update(static=STATIC_PATH, tail_length=ID_TAIL_LENGTH)
    return env


def _page(
    name: str, context: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    html = _environment().get_template(f"public/{name}").render(**context)
    return HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _pruning(request: Request) -> Pruning:
    state = request.app.state
    if not hasattr(state, "public_pruning"):
        state.public_pruning = Pruning()
    pruning: Pruning = state.public_pruning
    return pruning


def _refused(exc: ApiError) -> HTMLResponse:
    return _page(
        "refused.html", {"code": exc.code, "message": exc.message}, status=exc.status, headers=exc.headers
    )


def _check(request: Request, text: str) -> HTMLResponse:
    state = request.app.state
    settings = state.settings
    now = dt.datetime.now(dt.UTC)
    limit = Limit(settings.public_verify_per_client, dt.timedelta(minutes=settings.public_window_minutes))
    try:
        limits.admit(state.db, f"verify:client:{_client(request)}", now, limit, _pruning(request))
    except ApiError as exc:
        return _refused(exc)
    try:
        with state.db.read() as conn:
            found = verify.check(conn, text)
    except SealError as exc:
        return _page("verify.html", {"check": None, "problem": exc.message, "typed": text}, status=400)
    return _page("verify.html", {"check": found, "problem": None, "typed": ""})


BUSY_MESSAGE = "系统正忙，请稍等一分钟后刷新本页再查。"
FAILED_MESSAGE = "系统出了点问题，已记录。请稍后再查；急需办理的，请到就近的社保服务站或拨打 12333 咨询。"


class PublicRoute(APIRoute):
    """A busy database (``db.busy``) or an unexpected error on a public page: a page saying
    so in Chinese, not the API's JSON body. HTTP errors and request validation keep the
    app's own handlers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except (StarletteHTTPException, RequestValidationError):
                raise
            except DATABASE_BUSY as exc:
                log_busy(log, request.method, request.url.path, exc)
                busy = busy_error()  # the API's code, status and pause, in a citizen's words
                return _page(
                    "refused.html",
                    {"code": busy.code, "message": BUSY_MESSAGE},
                    status=busy.status,
                    headers=busy.headers,
                )
            except Exception:
                log.exception("public page error on %s %s", request.method, request.url.path)
                return _page(
                    "refused.html", {"code": "internal_error", "message": FAILED_MESSAGE}, status=500
                )

        return handler


router = APIRouter(include_in_schema=False, route_class=PublicRoute)


@router.get("/v/{code}", response_class=HTMLResponse)
def verify_code(code: str, request: Request) -> HTMLResponse:
    """The page a receipt's QR code opens."""
    return _check(request, code)


@router.get("/v", response_class=HTMLResponse)
def verify_typed(request: Request, code: str = "") -> HTMLResponse:
    """Type or paste a code (an old ``SSB1|…`` value too)."""
    if not code.strip():
        return _page("verify.html", {"check": None, "problem": None, "typed": ""})
    return _check(request, code)


@router.get("/progress", response_class=HTMLResponse)
def progress_form() -> HTMLResponse:
    return _page("progress.html", {"answer": None, "number": "", "asked": False})


@router.post("/progress", response_class=HTMLResponse)
def progress_look_up(
    request: Request,
    number: Annotated[str, Form()] = "",
    id_tail: Annotated[str, Form()] = "",
) -> HTMLResponse:
    state = request.app.state
    settings = state.settings
    window = dt.timedelta(minutes=settings.public_window_minutes)
    policy = ProgressLimits(
        per_client=Limit(settings.public_progress_per_client, window),
        per_case=Limit(settings.public_progress_per_case, window),
    )
    try:
        number, id_tail = number.strip()[:64], id_tail.strip()[:32]
        answer = progress.look_up(
            state.db, number, id_tail, client=_client(request), now=dt.datetime.now(dt.UTC), policy=policy
        )
    except ApiError as exc:
        return _refused(exc)
    return _page("progress.html", {"answer": answer, "number": number, "asked": True})
