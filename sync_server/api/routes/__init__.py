"""Route modules, each a thin APIRouter over one service."""

from __future__ import annotations

from fastapi import FastAPI

API_PREFIX = "/api/v1"


def register_routes(app: FastAPI) -> None:
    from sync_server.api.routes import attachments, document_certificate, enrol, health, pull, push

    app.include_router(health.router)
    app.include_router(enrol.router, prefix=API_PREFIX)
    app.include_router(push.router, prefix=API_PREFIX)
    app.include_router(pull.router, prefix=API_PREFIX)
    app.include_router(attachments.router, prefix=API_PREFIX)
    app.include_router(document_certificate.router, prefix=API_PREFIX)

    from sync_server.console import register_console

    register_console(app)

    from sync_server.public import register_public

    register_public(app)
