"""The station's local store (docs/station.md "Home directory and store").

:func:`open_store` (home directory or ``.db`` path) → a migrated ``sqlite_utils.Database``
in WAL mode with ``synchronous=FULL`` and foreign keys on. One connection per thread.

One module per table group, plain functions over a ``Database`` (and the
:class:`~station_client.crypto.keys.DataKey` where a row has an ``enc`` blob, so the
associated-data convention ``<table>:<row key>`` lives in one place):

    meta         get / put / get_json / put_json / put_many / all_ / station_id
    keys         key_wraps (put_wrap, get_wrap) and secrets (put_secret, get_secret)
    staff        apply_account (by version), get, list_all, record_failure, clear_failures
    reference    put / get / version / clear   (catalog, rates, divisions, workdays)
    registry     upsert_person (by slice version), get_person, person_version (the row's, a case's base), slice_version, find_by_name
    cases        insert_case, update_case, get_row, get_doc (a CaseDocument), find_by_number, list_rows,
                 mark_set_aside, record_server_answers
    outbox       the only owner of the outbox table: enqueue, replace_refused, read_json / stored_bytes,
                 unfinished / of_case / refused / get, counts, numbering and answers, reconcile_blocked
    attachments  add, read_bytes, set_progress, pending_bytes, pending
    receipts     insert, get, for_case
    counters     next_value (inside the using transaction), current
    audit        append (inside the changing transaction), verify, entries

Multi-row writes go inside ``with db.atomic():`` (sqlite-utils 4.x; nested blocks are
savepoints). Functions here never open their own transaction unless they say so.
"""

from __future__ import annotations

from station_client.store.connection import open_store, store_file
from station_client.store.errors import StoreError
from station_client.store.migrations import SCHEMA_VERSION, migrate

__all__ = ["SCHEMA_VERSION", "StoreError", "migrate", "open_store", "store_file"]
