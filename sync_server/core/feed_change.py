"""One row of the pull feed (``changes``) as the core builds it: who receives it, what. Pure.

Scopes say who receives a row: ``all`` (every station), ``station:<id>`` (one station),
``township:<code>`` (stations of one township: the registry slice). Writing the rows is
``services.feed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync_server.core.json_doc import RawJson

SCOPE_ALL = "all"


def station_scope(station_id: str) -> str:
    return f"station:{station_id}"


def township_scope(township_code: str) -> str:
    return f"township:{township_code}"


@dataclass(frozen=True)
class FeedChange:
    scope: str
    kind: str
    key: str
    version: int
    data: dict[str, Any] | RawJson = field(default_factory=dict)
    deleted: bool = False
