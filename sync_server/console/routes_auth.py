"""Signing in and out, and changing the password (forced after an account is issued or reset)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from schema.api_errors import API_ERROR_MESSAGES
from sync_server.console.security import (
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    ConsoleRoute,
    ConsoleUser,
    LoginRequired,
    check_csrf,
    check_login_csrf,
    clear_cookie,
    new_login_token,
    now_utc,
    redirect,
    require,
    set_cookie,
    signed_in,
)
from sync_server.console.templating import render
from sync_server.errors import ApiError, status_for
from sync_server.services.access import web_sessions

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
AnyUser = Annotated[ConsoleUser, Depends(require(password_change_ok=True))]
PostingUser = Annotated[ConsoleUser, Depends(require(csrf=True, password_change_ok=True))]

REASONS = {
    "idle": ("session_expired", "您已较长时间未操作，为保护申请人信息已自动退出。请重新登录。"),
    "expired": ("session_expired", API_ERROR_MESSAGES["session_expired"]),
    "unknown": ("session_expired", API_ERROR_MESSAGES["session_expired"]),
    "disabled": ("account_disabled", API_ERROR_MESSAGES["account_disabled"]),
}


def safe_next(target: str | None) -> str | None:
    """Only a path inside the console (no scheme, no host, no “//”)."""
    if not target or not target.startswith(f"{PREFIX}/") or target.startswith("//") or "\\" in target:
        return None
    if target.startswith((f"{PREFIX}/login", f"{PREFIX}/logout")):
        return None
    return target


def _login_page(
    request: Request,
    *,
    username: str = "",
    next_url: str | None = None,
    code: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    token = new_login_token()
    response = render(
        request,
        "console/login.html",
        {
            "username": username,
            "next_url": next_url or "",
            "code": code,
            "message": message,
            "login_token": token,
            "idle_minutes": request.app.state.settings.session_idle_minutes,
        },
        status_code=status_code,
    )
    set_cookie(response, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=303)


@router.get(PREFIX)
@router.get(f"{PREFIX}/")
def home(request: Request) -> Response:
    try:
        user = signed_in(request)
    except LoginRequired:
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
    return RedirectResponse(f"{PREFIX}/password" if user.must_change_password else user.home, status_code=303)


@router.get(f"{PREFIX}/login")
def login_form(
    request: Request,
    next_url: Annotated[str | None, Query(alias="next", max_length=500)] = None,
    reason: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    code, message = REASONS.get(reason or "", (None, None))
    return _login_page(request, next_url=safe_next(next_url), code=code, message=message)


@router.post(f"{PREFIX}/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    await check_login_csrf(request)
    state = request.app.state
    try:
        session = await run_in_threadpool(
            web_sessions.authenticate, state.db, username, password, now=now_utc(), settings=state.settings
        )
    except ApiError as exc:
        return _login_page(
            request,
            username=username.strip()[:64],
            next_url=safe_next(next_url),
            code=exc.code,
            message=exc.message,
            status_code=status_for(exc.code),
        )
    target = f"{PREFIX}/password" if session.must_change_password else (safe_next(next_url) or f"{PREFIX}/")
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, session.raw_id)
    clear_cookie(response, LOGIN_COOKIE)
    return response


@router.post(f"{PREFIX}/logout")
async def logout(request: Request) -> Response:
    await run_in_threadpool(signed_in, request)
    await check_csrf(request)
    await run_in_threadpool(
        web_sessions.logout, request.app.state.db, request.cookies.get(SESSION_COOKIE), now=now_utc()
    )
    response = redirect(f"{PREFIX}/login", "logged_out")
    clear_cookie(response, SESSION_COOKIE)
    return response


@router.get(f"{PREFIX}/password")
def password_form(request: Request, user: AnyUser) -> Response:
    return render(request, "console/password.html", {"forced": user.must_change_password, "error": None})


@router.post(f"{PREFIX}/password")
def change_password(
    request: Request,
    user: PostingUser,
    current: Annotated[str, Form(max_length=200)] = "",
    new: Annotated[str, Form(max_length=200)] = "",
    repeat: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        with request.app.state.db.write() as conn:
            web_sessions.change_password(conn, user.username, current, new, repeat, now=now_utc())
    except ApiError as exc:
        return render(
            request,
            "console/password.html",
            {"forced": user.must_change_password, "error": exc.message, "code": exc.code},
            status_code=422,
        )
    return redirect(user.home, "password_changed")


fallback = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@fallback.api_route(f"{PREFIX}/{{path:path}}", methods=["GET", "POST"])
def not_found(path: str) -> Response:
    """Anything else under /console: the Chinese not-found page, not the API's JSON."""
    raise ApiError("not_found", "没有这个页面。请从菜单进入。", {"path": path[:200]})
