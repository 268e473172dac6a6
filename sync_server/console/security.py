"""Who is signed in, what they may open, and the checks every console request passes.

* **Session**: the cookie ``__Host-ssb_console`` (HttpOnly, Secure, SameSite=Strict,
  Path=/) carries a random id; the server keeps only its hash (``services.web_sessions``),
  with the idle timeout and the absolute limit.
* **CSRF**: every form carries the session's token (``csrf_token``); every POST is checked
  (:func:`check_csrf`), and a POST whose ``Origin`` is another site is refused too. The
  login form, which has no session yet, is protected by a double-submit token in the
  ``__Host-ssb_login`` cookie. A failed check answers 403 with the code ``csrf_failed``.
* **Roles**: reviewers and chiefs work their section's queue; chiefs also see the
  workload and reassign; administrators (综合业务科) run stations, staff, catalog and
  conflicts; supervisors see the dashboard and the clearing. Station clerks cannot log in.
* **Refusals** never reach the user as JSON or a stack trace: :class:`ConsoleRoute`
  renders each coded error (``ApiError``, the lifecycle's ``TransitionError``, the staff
  and station services' errors) as a Chinese page or, for htmx requests, an inline alert,
  always with its code; and it adds the security headers to every console response.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from schema.api_errors import API_ERROR_MESSAGES
from schema.errors import ContractError
from schema.lifecycle import Actor
from schema.vocabulary import Role, Section, label
from sync_server.console.templating import render
from sync_server.db.busy import DATABASE_BUSY, log_busy
from sync_server.errors import ApiError, status_for
from sync_server.services.access import web_sessions

log = logging.getLogger("sync_server.console")

PREFIX = "/console"
SESSION_COOKIE = "__Host-ssb_console"
LOGIN_COOKIE = "__Host-ssb_login"
NOTICE_COOKIE = "__Host-ssb_notice"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
    "Cache-Control": "no-store",
}
HOME = {
    Role.REVIEWER: f"{PREFIX}/queue",
    Role.CHIEF: f"{PREFIX}/queue",
    Role.ADMIN: f"{PREFIX}/stations",
    Role.SUPERVISOR: f"{PREFIX}/dashboard",
    Role.FINANCE_MAKER: f"{PREFIX}/finance",
    Role.FINANCE_CHECKER: f"{PREFIX}/finance",
    Role.AUDITOR: f"{PREFIX}/audit",
}
# One-shot notices after a redirect: a fixed text per key (nothing the request chose is shown).
NOTICES = {
    "claimed": "已认领该案件，请审核后作出决定。",
    "approved": "已核准。决定已发送给受理服务站，服务站下次同步时收到。",
    "rejected": "已驳回（不予受理）。决定和理由已发送给受理服务站。",
    "returned": "已退回补正。需补正的内容已发送给受理服务站。",
    "released": "已将案件放回待认领队列。",
    "reassigned": "已改派。",
    "rerouted": "已转交其他科室。",
    "password_changed": "密码已修改。",
    "logged_out": "您已退出登录。",
    "revoked": "服务站已注销：该站此后的同步请求将被拒绝。",
    "start_over": "已命令该服务站重新下载参考数据，该站下次同步时执行。",
    "staff_disabled": "账号已停用，其登录会话已结束。",
    "staff_enabled": "账号已启用。",
    "role_changed": "角色已更改，该账号须重新登录。",
    "conflict_resolved": "冲突已处理，案件已继续流转。",
    "fraud_confirmed": "已确认疑点：追回款已记为应收，由基金财务入账；服务站下次同步时看到。",
    "fraud_dismissed": "已排除疑点：因疑点暂停的待遇已恢复发放，服务站下次同步时看到。",
}


class LoginRequired(Exception):
    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class PasswordChangeRequired(Exception):
    pass


@dataclass(frozen=True)
class ConsoleUser:
    username: str
    display_name: str
    role: Role
    section: Section | None
    must_change_password: bool
    csrf_token: str

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, section=self.section)

    @property
    def role_label(self) -> str:
        return label(self.role)

    @property
    def section_label(self) -> str:
        return label(self.section) if self.section is not None else ""

    @property
    def home(self) -> str:
        return HOME.get(self.role, f"{PREFIX}/login")

    def has(self, *roles: Role) -> bool:
        return self.role in roles


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _load_user(request: Request) -> ConsoleUser:
    state = request.app.state
    try:
        session = web_sessions.resume(
            state.db, request.cookies.get(SESSION_COOKIE), now=now_utc(), settings=state.settings
        )
    except ApiError as exc:
        if exc.code == "account_disabled":
            raise LoginRequired("disabled") from None
        raise LoginRequired(str(exc.detail.get("reason", ""))) from None
    s = session.staff
    user = ConsoleUser(
        username=s.username,
        display_name=s.display_name,
        role=Role(s.role),
        section=Section(s.section) if s.section else None,
        must_change_password=bool(s.must_change_password),
        csrf_token=session.csrf_token,
    )
    request.state.console_user = user
    return user


def signed_in(request: Request) -> ConsoleUser:
    """The signed-in user, even one who must still change the password (blocking: DB)."""
    cached = getattr(request.state, "console_user", None)
    return cached if isinstance(cached, ConsoleUser) else _load_user(request)


def require(
    *roles: Role, csrf: bool = False, password_change_ok: bool = False
) -> Callable[[Request], Awaitable[ConsoleUser]]:
    """A dependency: signed in, holding one of ``roles`` (any when none are named), with the
    password changed (unless ``password_change_ok``), and for a POST the CSRF token checked."""

    async def dependency(request: Request) -> ConsoleUser:
        user = await run_in_threadpool(signed_in, request)
        if csrf:
            await check_csrf(request)
        if user.must_change_password and not password_change_ok:
            raise PasswordChangeRequired
        if roles and user.role not in roles:
            raise ApiError(
                "forbidden", f"“{user.role_label}”角色不能使用此功能。如需权限，请联系综合业务科。"
            )
        return user

    return dependency


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", "") and parts.scheme in ("https", "http")


async def check_csrf(request: Request) -> None:
    """Every POST: the session's token in the form (or header), from this site."""
    user = getattr(request.state, "console_user", None)
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = user.csrf_token if isinstance(user, ConsoleUser) else ""
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise ApiError("csrf_failed", detail={"reason": "token"})
    if not _same_origin(request):
        raise ApiError("csrf_failed", detail={"reason": "origin"})


async def check_login_csrf(request: Request) -> None:
    form = await request.form()
    sent = form.get(CSRF_FIELD) or ""
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise ApiError("csrf_failed", detail={"reason": "login_token"})
    if not _same_origin(request):
        raise ApiError("csrf_failed", detail={"reason": "origin"})


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict")


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if notice is not None and notice in NOTICES:
        set_cookie(response, NOTICE_COOKIE, notice, max_age=60)
    return response


def take_notice(request: Request, response: Response) -> None:
    """After rendering: a notice shown once is cleared (unless the response sets a new one)."""
    setting = any(v.startswith(f"{NOTICE_COOKIE}=") for v in response.headers.getlist("set-cookie"))
    if NOTICE_COOKIE in request.cookies and not setting:
        clear_cookie(response, NOTICE_COOKIE)


def _login_redirect(request: Request, reason: str) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"{PREFIX}/login?next={quote(target, safe='')}" + (f"&reason={quote(reason)}" if reason else "")
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    response = RedirectResponse(url, status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response


def error_page(request: Request, code: str, message: str, detail: dict[str, Any] | None = None) -> Response:
    status = status_for(code, 422)
    template = "console/_alert.html" if request.headers.get("HX-Request") == "true" else "console/error.html"
    return render(
        request,
        template,
        {"code": code, "message": message, "detail": detail or {}, "status": status},
        status_code=status,
    )


# The API's server_busy words are for a station's clerk; a reviewer needs to know whether
# what they just did went through (a link cut during the commit may have let it).
BUSY_MESSAGE = (
    "市社保服务器正忙（数据库暂时连不上或排队已满），刚才的操作可能没有完成。"
    "请稍等一分钟后刷新页面查看结果，再决定是否重做；如持续半小时以上，请联系系统管理员。"
)


class ConsoleRoute(APIRoute):
    """Console routes: coded refusals become Chinese pages; security headers on every answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            notice = request.cookies.get(NOTICE_COOKIE)
            request.state.console_notice = NOTICES.get(notice or "")
            try:
                response = await original(request)
            except LoginRequired as exc:
                response = _login_redirect(request, exc.reason)
            except PasswordChangeRequired:
                response = redirect(f"{PREFIX}/password")
            except ContractError as exc:
                response = error_page(request, exc.code, exc.message, dict(exc.detail))
            except RequestValidationError:
                response = error_page(request, "request_invalid", API_ERROR_MESSAGES["request_invalid"])
            except StarletteHTTPException as exc:
                code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "request_invalid")
                response = error_page(request, code, API_ERROR_MESSAGES[code])  # type: ignore[index]
            except DATABASE_BUSY as exc:
                log_busy(log, request.method, request.url.path, exc)
                response = error_page(request, "server_busy", BUSY_MESSAGE)
            except Exception:
                log.exception("console error on %s %s", request.method, request.url.path)
                response = error_page(request, "internal_error", API_ERROR_MESSAGES["internal_error"])
            if notice:
                take_notice(request, response)
            for key, value in SECURITY_HEADERS.items():
                response.headers.setdefault(key, value)
            return response

        return handler
