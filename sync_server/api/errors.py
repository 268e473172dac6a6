"""Every error the API answers is ``{code, message, detail}`` with a stable code.

``ApiError`` is raised by routes and services for refusals the caller can act on; the
handlers installed by ``install_error_handlers`` turn it, our contract errors, FastAPI's
request validation, a database that cannot take the request now (``server_busy``,
:mod:`sync_server.db.busy`) and anything unexpected into that body. An unexpected exception
is logged server-side and answered as ``internal_error`` with no stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from schema.api_errors import API_ERROR_MESSAGES
from schema.errors import ContractError
from sync_server.db.busy import DATABASE_BUSY, busy_error, log_busy
from sync_server.errors import ApiError, status_for

__all__ = ["ApiError", "error_response", "install_error_handlers", "status_for"]

log = logging.getLogger("sync_server.api")


def error_response(code: str, message: str, detail: dict[str, Any] | None = None, **kw: Any) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "detail": detail or {}},
        status_code=kw.pop("status_code", status_for(code)),
        headers=kw.pop("headers", None),
    )


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 429: "rate_limited"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.code, exc.message, exc.detail, headers=exc.headers, status_code=exc.status)

    @app.exception_handler(ContractError)
    async def _contract_error(_: Request, exc: ContractError) -> JSONResponse:
        # Contract errors raised by validation are 422 unless the code has its own status.
        return error_response(exc.code, exc.message, exc.detail, status_code=status_for(exc.code, 422))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(p) for p in err.get("loc", ())], "type": err.get("type"), "msg": err.get("msg")}
            for err in exc.errors()[:50]
        ]
        return error_response(
            "request_invalid", API_ERROR_MESSAGES["request_invalid"], {"problems": problems}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "request_invalid")
        message = API_ERROR_MESSAGES.get(code, "请求无法处理。")  # type: ignore[call-overload]
        headers = dict(exc.headers or {})
        detail: dict[str, Any] = {}
        if exc.status_code == 405:
            allowed = allowed_methods(request.app, request.url.path)
            headers["Allow"] = ", ".join(allowed)
            detail = {"allowed": allowed}
        return error_response(code, message, detail, headers=headers or None, status_code=exc.status_code)

    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        log_busy(log, request.method, request.url.path, exc)
        refusal = busy_error()
        return error_response(refusal.code, refusal.message, refusal.detail, headers=refusal.headers)

    for busy in DATABASE_BUSY:
        app.add_exception_handler(busy, _busy)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response("internal_error", API_ERROR_MESSAGES["internal_error"], status_code=500)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route answers at this path (Starlette's own 405 names only the first
    route's, and ``/api/v1/pull`` is two routes: GET and POST)."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(path):
            methods |= set(route.methods)
    return sorted(methods)
