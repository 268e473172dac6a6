"""``/api/v1/pull``: a signed request for the changes after a cursor (``services.pull``).

Two spellings of one request, both signed: ``POST`` with a JSON :class:`PullRequest`
body, and ``GET ?cursor=…&limit=…`` (what the station client sends). The page is JSON,
gzip-compressed when the client accepts it and it is worth it (a snapshot page with the
catalog is a quarter of a megabyte; it shrinks about tenfold).
"""

from __future__ import annotations

import gzip
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from schema.protocol import NEXT_CURSOR_HEADER, PullPage, PullRequest
from sync_server.api import responses
from sync_server.api.auth import SignedRequest, signed_station
from sync_server.api.json_body import load_json
from sync_server.errors import ApiError
from sync_server.services.feed.pull import serve_pull
from sync_server.services.feed.served_page import ServedPage

router = APIRouter(tags=["sync"])
GZIP_MIN_BYTES = 1024


def accepts_gzip(header: str | None) -> bool:
    """True when ``Accept-Encoding`` names gzip (or ``*``) with a quality above 0."""
    for item in (header or "").split(","):
        name, *params = (part.strip() for part in item.split(";"))
        if name.lower() not in ("gzip", "*"):
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def page_response(request: Request, page: ServedPage) -> Response:
    body = page.to_json()
    headers = {"Vary": "Accept-Encoding"}
    head = page.head
    if head.has_more and head.next_cursor is not None:
        headers[NEXT_CURSOR_HEADER] = head.next_cursor  # the station asks on before it reads the body
    if len(body) >= GZIP_MIN_BYTES and accepts_gzip(request.headers.get("accept-encoding")):
        headers["Content-Encoding"] = "gzip"
        return Response(gzip.compress(body, compresslevel=6), media_type="application/json", headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def parse_request(raw: Any) -> PullRequest:
    try:
        return PullRequest.model_validate(raw)
    except ValidationError as exc:
        problems = [
            {"loc": [str(p) for p in err.get("loc", ())], "type": err.get("type"), "msg": err.get("msg")}
            for err in exc.errors(include_url=False, include_input=False)[:20]
        ]
        raise ApiError("request_invalid", detail={"problems": problems}) from None


def _serve(request: Request, signed: SignedRequest, pull_request: PullRequest) -> Response:
    state = request.app.state
    page = serve_pull(state.db, signed.station, pull_request, state.settings, signed.received_at)
    return page_response(request, page)


@router.post("/pull", response_model=PullPage, responses=responses.PULL)
def pull_post(request: Request, signed: SignedRequest = Depends(signed_station)) -> Response:  # noqa: B008
    raw = load_json(signed.body or b"{}")
    return _serve(request, signed, parse_request(raw))


@router.get("/pull", response_model=PullPage, responses=responses.PULL)
def pull_get(request: Request, signed: SignedRequest = Depends(signed_station)) -> Response:  # noqa: B008
    query = request.query_params
    unknown = sorted(set(query) - {"cursor", "limit"})
    if unknown:
        raise ApiError("request_invalid", detail={"unknown_parameters": unknown})
    return _serve(request, signed, parse_request(dict(query)))
