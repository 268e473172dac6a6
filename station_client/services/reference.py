"""Reference data the desk works from: the catalog, the rate book, the working-day calendar.

Each comes from the store when a pull has brought one (``reference`` table), else from
the copy built into ``schema/`` (before the first pull, or after a start-over). Parsed
objects are cached by digest, so asking again is cheap and a newly pulled version is
picked up at once.

:func:`apply_change` stores a pulled ``catalog`` / ``rates`` / ``divisions`` change
(``Change.key`` = its version, ``Change.data`` = its whole JSON), and the ``workdays``
change (the holiday schedules the server loaded), and the ``station_keys`` change (every
station's public keys, for the 核验 screen), after validating it, and keeps
``meta.catalog_version`` in step; call it inside the pull page's transaction.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from sqlite_utils import Database

from schema.catalog import Catalog, catalog_digest, load_catalog, parse_catalog
from schema.document_seal import StationKeysRecord
from schema.errors import CatalogError
from schema.protocol import Change, ChangeKind
from schema.rates import RateBook, load_rates, rate_book_from_json, rates_digest
from schema.workdays import WorkdayCalendar, default_calendar, overrides_from_json, shipped_schedules
from station_client.services.errors import ServiceError
from station_client.store import meta
from station_client.store import reference as store

_KINDS = {
    ChangeKind.CATALOG: store.CATALOG,
    ChangeKind.RATES: store.RATES,
    ChangeKind.DIVISIONS: store.DIVISIONS,
    ChangeKind.WORKDAYS: store.WORKDAYS,
    ChangeKind.STATION_KEYS: store.STATION_KEYS,
}


@functools.lru_cache(maxsize=4)
def _catalog(digest: str, data: str) -> Catalog:
    return parse_catalog(json.loads(data))


@functools.lru_cache(maxsize=4)
def _rates(digest: str, data: str) -> RateBook:
    return rate_book_from_json(data)


@functools.lru_cache(maxsize=4)
def _calendar(digest: str, data: str) -> WorkdayCalendar:
    # The schedules the server loaded, over the shipped ones: the server counts the same way.
    return WorkdayCalendar(shipped_schedules() | dict(overrides_from_json(data).years))


def catalog(db: Database) -> Catalog:
    row = store.get(db, store.CATALOG)
    return load_catalog() if row is None else _catalog(row.digest, row.data)


def rates(db: Database) -> RateBook:
    row = store.get(db, store.RATES)
    return load_rates() if row is None else _rates(row.digest, row.data)


def calendar(db: Database) -> WorkdayCalendar:
    row = store.get(db, store.WORKDAYS)
    return default_calendar() if row is None else _calendar(row.digest, row.data)


def station_keys(db: Database) -> StationKeysRecord | None:
    """Every station's keys as the city last sent them; None before the first such pull."""
    row = store.get(db, store.STATION_KEYS)
    return None if row is None else StationKeysRecord.model_validate_json(row.data)


def catalog_version(db: Database) -> str:
    """The catalog version the desk uses now (pulled, else built in)."""
    return store.version(db, store.CATALOG) or load_catalog().version


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def apply_change(db: Database, change: Change) -> bool:
    """Store a pulled reference change; False for kinds this module does not hold."""
    kind = _KINDS.get(change.kind)
    if kind is None:
        return False
    data = _canonical(change.data)
    try:
        if kind == store.CATALOG:
            parsed = parse_catalog(change.data)
            digest = catalog_digest(parsed)
            meta.put(db, meta.CATALOG_VERSION, parsed.version)
        elif kind == store.RATES:
            digest = rates_digest(rate_book_from_json(data))
        elif kind == store.WORKDAYS:
            overrides_from_json(data)  # refuse what would not parse
            digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
        elif kind == store.STATION_KEYS:
            StationKeysRecord.model_validate(change.data)  # refuse what would not parse
            digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
        else:
            digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
    except (CatalogError, ValueError) as exc:
        raise ServiceError(
            "reference_invalid",
            f"服务器下发的{change.kind.value}数据无法识别：已保留原有数据，请联系综合业务科。",
            {"kind": change.kind.value, "error": str(exc)[:200]},
        ) from exc
    store.put(db, kind, change.key, digest, data)
    return True


def clear(db: Database) -> None:
    """Forget pulled reference data (start over): the built-in copy applies until the next pull."""
    store.clear(db)
    meta.put(db, meta.CATALOG_VERSION, None)
