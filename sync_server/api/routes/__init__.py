"""Route modules, each a thin APIRouter over one service."""

from __future__ import annotations

from fastapi import FastAPI


def register_routes(app: FastAPI) -> None:
    from sync_server.api.routes import health

    app.include_router(health.router)
