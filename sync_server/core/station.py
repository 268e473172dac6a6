"""Who signed a request: the station as the server knows it (a plain value, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StationContext:
    id: str  # StationCode, e.g. 511102004-00
    township_code: str
    county_code: str
    public_key: bytes
    status: str  # active (only active stations get past authentication)

    @property
    def station_id(self) -> str:
        return self.id
