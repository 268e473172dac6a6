"""What a push tells the townships' stations about persons, built from the push's own slice.

A push changes persons two ways: a registry change (a phone, an enrolment) and money
(the months a payer just paid, which the station shows as the last month paid). Either
way the person's whole slice record goes to their township (:mod:`services.feed.
person_slice` says why it is whole). The push already holds the registry rows of the
persons it loaded ``FOR UPDATE``: nobody else can change those before it commits, so
their rows are taken from memory and only the carried records (benefits, cards, months
paid, fraud flags) are read, once for all of them, after the batch's own rows are
written. Anyone else (created by this batch, where another station's row may stand;
loaded without a lock; a refund's payer) is read whole, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.protocol import ChangeKind
from sync_server.core.feed_change import FeedChange, township_scope
from sync_server.core.ingest.registry_slice import RegistrySlice
from sync_server.core.person_slice import SliceRecords, record_json
from sync_server.db.tables import persons
from sync_server.services.bulk import in_list
from sync_server.services.feed import person_slice

__all__ = ["person_news"]


def person_news(
    conn: Connection,
    registry: RegistrySlice,
    locked: Collection[str],
    registry_changes: Sequence[FeedChange],
    paid: Iterable[str],
) -> list[FeedChange]:
    """The registry's feed changes with each person's record completed, then a record for
    each payer whose registry row did not change (their months did: ``records_version``
    goes up by one), in ID-number order. ``locked``: the ID numbers the push loaded for
    update and did not create."""
    changed = {c.key for c in registry_changes if c.kind == ChangeKind.PERSON.value and not c.deleted}
    payers = sorted(set(paid) - {c.key for c in registry_changes if c.kind == ChangeKind.PERSON.value})
    if payers:
        conn.execute(
            sa.update(persons)
            .where(in_list(conn, persons.c.id_number, payers))
            .values(records_version=persons.c.records_version + 1)
        )
    wanted = changed | set(payers)
    held = sorted(k for k in wanted if k in locked and k in registry.persons)
    fresh = _from_slice(registry, held, person_slice.read_records(conn, held)) if held else {}
    rest = sorted(wanted - set(held))
    if rest:
        fresh.update((c.key, c) for c in person_slice.person_changes(conn, rest))
    completed = [
        fresh.get(c.key, c) if c.kind == ChangeKind.PERSON.value and not c.deleted else c
        for c in registry_changes
    ]
    return completed + [fresh[k] for k in payers if k in fresh]


def _from_slice(
    registry: RegistrySlice, keys: Sequence[str], records: dict[str, SliceRecords]
) -> dict[str, FeedChange]:
    out: dict[str, FeedChange] = {}
    for key in keys:
        person = registry.persons[key]
        if not person.township_code or key not in records:
            continue  # no township to tell (person_slice.person_changes_for_rows does the same)
        carried = records[key]
        out[key] = FeedChange(
            township_scope(person.township_code), ChangeKind.PERSON.value, key,
            person.version + carried.records_version,  # PersonRecord.slice_version
            record_json(person, registry.enrolments_of(key).values(), carried),
        )  # fmt: skip
    return out
