"""Leshan's counties and townships, searchable by name or pinyin (大佛街道 → dfjd)."""

from __future__ import annotations

import functools

from schema.divisions import load_divisions
from station_client.core.pinyin_search import SearchIndex, build_index, shipped_readings


@functools.cache
def division_index() -> SearchIndex:
    divisions = load_divisions()
    names = [(d.code, d.name) for d in (*divisions.counties(), *divisions.townships())]
    return build_index(names, shipped_readings())
