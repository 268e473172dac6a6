"""``/healthz`` (the process answers) and ``/readyz`` (the database answers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sync_server.api import responses

router = APIRouter(tags=["health"])


@router.get("/healthz", responses=responses.HEALTH)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None, responses=responses.READY)
def readyz(request: Request) -> dict[str, str] | JSONResponse:
    from sync_server.db.migrate import is_up_to_date

    try:
        ready = is_up_to_date(request.app.state.db)
    except Exception:  # the database is unreachable: say so, do not fail with a 500
        ready = False
    if not ready:
        return JSONResponse(
            {"code": "not_ready", "message": "数据库不可用或未迁移到最新版本。", "detail": {}},
            status_code=503,
        )
    return {"status": "ready"}
