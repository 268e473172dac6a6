"""What a station should hold, as a digest it can compare with its own (docs/design.md §4).

The rule is ``schema.registry_digest.station_digest``, which the station applies to what
it has pulled; :func:`digest_for_station` applies it to the server's tables: the staff
the station receives and the township's persons and units.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.protocol import StationDigest
from schema.registry_digest import RegistrySum, station_digest
from schema.vocabulary import Role
from sync_server.db.tables import persons, staff, units
from sync_server.services.admin import reference


def station_staff(station_id: str) -> sa.ColumnElement[bool]:
    """The staff a station receives: its clerks (as ``services.staff`` emits them)."""
    return sa.and_(staff.c.station_id == station_id, staff.c.role == Role.CLERK.value)


def digest_for_station(conn: Connection, station_id: str, township_code: str) -> StationDigest:
    digests = reference.current_digests()
    catalog = next(c for c in reference.reference_changes() if c.kind == "catalog")
    person_rows = conn.execute(
        # A person's slice version counts the registry row and the records it carries.
        sa.select(persons.c.id_number, persons.c.version + persons.c.records_version).where(
            persons.c.township_code == township_code
        )
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
        registry=RegistrySum.of((r[0], int(r[1])) for r in [*person_rows, *unit_rows]),
    )
