"""The city back-office console: server-rendered pages (Jinja2 + htmx) under ``/console``.

``register_console(app)`` mounts the static files and the routers. Pages are thin routes
over the services (``services.review``, ``review_queue``, ``case_view``, ``dashboard``,
``conflicts``, ``station_overview``, ``web_sessions``); see ``docs/console.md``.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

STATIC_PATH = "/console/static"


def register_console(app: FastAPI) -> None:
    from sync_server.console import (
        routes_admin,
        routes_auth,
        routes_conflicts,
        routes_finance,
        routes_person,
        routes_review,
        routes_supervise,
    )

    static_dir = resources.files("sync_server").joinpath("static")
    app.mount(STATIC_PATH, StaticFiles(directory=str(static_dir)), name="console-static")
    for module in (
        routes_auth,
        routes_review,
        routes_admin,
        routes_conflicts,
        routes_supervise,
        routes_person,
        routes_finance,
    ):
        app.include_router(module.router)
    from sync_server.console import routes_audit, routes_statistics

    app.include_router(routes_statistics.router)
    app.include_router(routes_audit.router)
    app.include_router(routes_auth.fallback)  # last: every other /console path is matched first
