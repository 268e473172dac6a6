"""What a station should hold, as a digest it can compare with its own (docs/design.md §4).

:func:`station_digest` is the rule, pure, for the station to mirror over what it has
applied: reference digests of the catalog and rate book it holds, and
``schema.protocol.registry_digest`` over ``(Change.key, Change.version)`` of the staff
changes (kind ``staff``) and of the registry changes (kinds ``person`` and ``unit``) it
holds and that are not deleted. :func:`digest_for_station` computes the same from the
server's tables.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.protocol import StationDigest, registry_digest
from schema.vocabulary import Role
from sync_server.db.tables import persons, staff, units
from sync_server.services import reference


def station_digest(
    *,
    catalog_version: str,
    catalog_digest: str,
    rates_digest: str,
    staff: Iterable[tuple[str, int]],
    registry: Iterable[tuple[str, int]],
) -> StationDigest:
    """The digest over reference digests, staff (username, version) and registry (key, version)."""
    rows = list(registry)
    return StationDigest(
        catalog_version=catalog_version,
        catalog_digest=catalog_digest,
        rates_digest=rates_digest,
        staff_digest=registry_digest(staff),
        registry_count=len(rows),
        registry_digest=registry_digest(rows),
    )


def station_staff(station_id: str) -> sa.ColumnElement[bool]:
    """The staff a station receives: its clerks (as ``services.staff`` emits them)."""
    return sa.and_(staff.c.station_id == station_id, staff.c.role == Role.CLERK.value)


def digest_for_station(conn: Connection, station_id: str, township_code: str) -> StationDigest:
    digests = reference.current_digests()
    catalog = next(c for c in reference.reference_changes() if c.kind == "catalog")
    person_rows = conn.execute(
        sa.select(persons.c.id_number, persons.c.version).where(persons.c.township_code == township_code)
    )
    unit_rows = conn.execute(
        sa.select(units.c.uscc, units.c.version).where(units.c.township_code == township_code)
    )
    return station_digest(
        catalog_version=catalog.key,
        catalog_digest=digests["catalog"],
        rates_digest=digests["rates"],
        staff=[
            (r.username, int(r.version))
            for r in conn.execute(
                sa.select(staff.c.username, staff.c.version).where(station_staff(station_id))
            )
        ],
        registry=[(r[0], int(r[1])) for r in [*person_rows, *unit_rows]],
    )
