"""Citizens' pages, no account needed: ``/v/<code>`` (is this printed document genuine?)
and ``/progress`` (办理进度查询). Server-rendered Chinese pages for a phone, thin over
``services.public``; see docs/server.md "Citizens' pages".
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles


def register_public(app: FastAPI) -> None:
    from sync_server.public import routes

    static_dir = resources.files("sync_server").joinpath("static", "public")
    app.mount(routes.STATIC_PATH, StaticFiles(directory=str(static_dir)), name="public-static")
    app.include_router(routes.router)
