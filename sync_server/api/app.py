"""``create_app``: the FastAPI application factory.

No engine, settings or other state is created at import time; everything the routes need
hangs off ``app.state`` (settings, database), so tests build as many apps as they like
and several server processes can share one PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from sync_server.api.errors import install_error_handlers
from sync_server.api.limits import BodySizeLimit
from sync_server.db.engine import Database
from sync_server.services.access.station_auth import NoncePruning
from sync_server.settings import Settings


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    settings.require_safe_secret()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(_publish_reference_data, app.state.db)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="乐山市社保综合柜员制 同步服务",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database or Database.from_url(settings.effective_database_url)
    app.state.nonce_pruning = NoncePruning()  # per process: when expired nonces were last removed
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    from sync_server.api.routes import register_routes

    register_routes(app)
    return app


def _publish_reference_data(db: Database) -> None:
    """A new catalog or rate book shipped with this server version reaches stations at start-up."""
    from sync_server.services.admin.reference import publish_reference_data

    with db.write() as conn:
        publish_reference_data(conn, dt.datetime.now(dt.UTC))
