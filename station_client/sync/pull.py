"""Pulling: apply each page in ONE transaction together with the cursor it leads to.

A crash between pages leaves the store at the end of the last whole page and the cursor
pointing just after it, so the next pull carries on; a page applied twice changes
nothing, because every record is applied by version.

Start-over (docs/server.md): a ``start_over`` change ends its page — apply the page, drop
reference data and the registry slice, and carry on with ``next_cursor`` (a
snapshot that resumes the feed after the order, so no decision is skipped). A page with
``start_over`` set has no cursor: drop the same and pull from None. The last page carries
the server's :class:`StationDigest`; when ours differs we start over once. Cases and the
outbox are never touched by a start-over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import ValidationError
from sqlite_utils import Database

from schema.errors import ContractError
from schema.protocol import MAX_PULL_LIMIT, Change, ChangeKind, PullPage, StationDigest
from schema.records import CaseStatusRecord, DecisionRecord, PersonRecord, StaffAccount
from schema.registry_digest import RegistrySum, station_digest
from station_client.core.errors import StationError
from station_client.crypto.keys import DataKey
from station_client.services import (
    audit_anchor,
    decisions,
    dues,
    receipt_stock,
    reference,
    station_contact,
)
from station_client.store import meta, staff
from station_client.store import reference as reference_store
from station_client.store import registry as registry_store
from station_client.sync import crash_points
from station_client.sync.collector import collector_paused
from station_client.sync.pages_ahead import PageSource
from station_client.sync.pulled_page import person_record
from station_client.transport import ProtocolError, Transport

log = logging.getLogger(__name__)

REGISTRY_SUM = "registry_sum"  # meta: RegistrySum.encode() of the persons and units held
# meta: {uscc: version} of the township's units. The store keeps no unit records (intake
# leaves units to the server), but the server's digest counts them, so their versions
# are kept here: USCCs are public codes, not personal data.
UNIT_VERSIONS = "unit_versions"
DIGEST_RESTARTED_FOR = "digest_restarted_for"  # meta: server registry digest we last restarted for
PAGE_LIMIT = MAX_PULL_LIMIT  # few pages, few fsyncs, within the rate limit
MAX_PAGES_PER_ROUND = 10_000  # a runaway server cannot keep a round going for ever

MSG_CHANGE_INVALID = "服务器下发的数据本机无法识别，已暂停下载更新（已上报的业务不受影响）。请安装最新版客户端或联系综合业务科。"
MSG_DIGEST = "本机保存的参考数据与服务器不一致，重新下载后仍不一致。业务照常办理；请联系综合业务科核查。"


@dataclass
class PullReport:
    pages: int = 0
    changes: int = 0
    started_over: bool = False
    in_step: bool = False  # the last page's digest matched ours
    digest_problem: bool = False
    station_last_seq: int | None = None  # the server's, from the last page (None: not said)


# ── applying changes ────────────────────────────────────────────────────────────────


def _apply_persons(db: Database, dek: DataKey, run: list[Change], running: RegistrySum) -> RegistrySum:
    """A run of person changes: the versions held read in one query, the rows written in one
    ``executemany``; each change still applied by version, in order, against the one before."""
    keys = [dek.index(c.key) for c in run]
    stored = registry_store.held_rows(db, keys)
    held = {key: row[0] for key, row in stored.items()}  # the version held, as the run goes
    dropped: set[str] = set()  # deleted in this run (a later change of the run may bring them back)
    rows: dict[str, PersonRecord] = {}  # sealed together once the run is decided
    added: list[tuple[str, int]] = []  # (ID number, version) rows entering and leaving the digest
    removed: list[tuple[str, int]] = []
    for key, change in zip(keys, run, strict=True):
        old = held.get(key)
        if change.deleted:
            held.pop(key, None)
            rows.pop(key, None)
            dropped.add(key)
            if old is not None:
                removed.append((change.key, old))
            continue
        record = person_record(change)
        if old is not None and record.slice_version <= old:
            continue
        held[key] = record.slice_version
        rows[key] = record
        if old is not None:
            removed.append((change.key, old))
        added.append((change.key, change.version))
    registry_store.delete_many(db, dropped)
    kept = {key: row for key, row in stored.items() if key not in dropped}  # still in the table
    registry_store.upsert_many(db, registry_store.sealed_many(dek, list(rows.items())), kept)
    for _ in run:
        crash_points.reach("pull.applying")
    return running.changed(added, removed)  # a sum: the order of the run does not matter


def _apply_unit(units: dict[str, int], change: Change, running: RegistrySum) -> RegistrySum:
    old = units.get(change.key)
    if change.deleted:
        units.pop(change.key, None)
        return running if old is None else running.remove(change.key, old)
    if old is not None and old >= change.version:
        return running
    units[change.key] = change.version
    return running.replace(change.key, old, change.version)


def _apply_staff(db: Database, change: Change) -> None:
    if change.deleted:
        staff.delete(db, change.key)
    else:
        staff.apply_account(db, StaffAccount.model_validate(change.data))


def _apply_case(db: Database, dek: DataKey, change: Change) -> None:
    if change.kind == ChangeKind.DECISION:
        decisions.apply_decision(db, dek, DecisionRecord.model_validate(change.data))
    else:
        decisions.apply_case_status(db, dek, CaseStatusRecord.model_validate(change.data))


def drop_downloaded(db: Database) -> None:
    """Forget the reference data and the registry slice (a start-over).

    Cases and the outbox stay. Staff accounts stay too, applied by version as the
    snapshot brings them again: a start-over cut short by the link must never leave the
    clerks unable to log in offline.
    """
    reference.clear(db)
    db.execute("DELETE FROM persons")
    db.execute("DELETE FROM township_dues")
    meta.put(db, REGISTRY_SUM, None)
    meta.put(db, UNIT_VERSIONS, None)


def apply_page(db: Database, dek: DataKey, page: PullPage) -> bool:
    """Apply one page and store its cursor, all in one transaction; True if it ordered a start-over.

    A change that does not make its record is a server fault: the page is not applied
    (the cursor stays) and the round fails with ``change_invalid``, visibly, rather than
    skip a decision the clerk is waiting for.
    """
    try:
        with collector_paused():  # sync.collector says why
            return _apply_page(db, dek, page)
    except (ValidationError, StationError, ContractError) as exc:
        raise ProtocolError("change_invalid", MSG_CHANGE_INVALID, {"error": str(exc)[:300]}) from exc


def _apply_page(db: Database, dek: DataKey, page: PullPage) -> bool:
    started_over = page.start_over
    with db.atomic():
        running = RegistrySum.decode(meta.get(db, REGISTRY_SUM))
        units: dict[str, int] = meta.get_json(db, UNIT_VERSIONS) or {}
        persons: list[Change] = []  # a run of person changes, written together
        for change in page.changes:
            if change.kind == ChangeKind.PERSON:
                persons.append(change)
                continue
            if persons:
                running, persons = _apply_persons(db, dek, persons, running), []
            if change.kind == ChangeKind.START_OVER:
                drop_downloaded(db)
                running, units, started_over = RegistrySum(), {}, True
            elif change.kind == ChangeKind.UNIT:
                running = _apply_unit(units, change, running)
            elif change.kind == ChangeKind.STAFF:
                _apply_staff(db, change)
            elif change.kind in (ChangeKind.DECISION, ChangeKind.CASE_STATUS):
                _apply_case(db, dek, change)
            elif change.kind == ChangeKind.TOWNSHIP_DUES:
                dues.apply_change(db, dek, change)
            elif change.kind == ChangeKind.STATION:
                station_contact.apply_change(db, change)  # its phone and address, for documents
            elif change.kind == ChangeKind.RECEIPT_STOCK:
                receipt_stock.apply_change(db, change)  # its 票据号段 (kept on a start-over)
            elif change.kind == ChangeKind.AUDIT_CHECKPOINT:
                audit_anchor.apply_change(db, change)  # the city's audit head (kept on a start-over)
            elif not reference.apply_change(db, change):
                log.info("pull: ignoring a %s change this client does not hold", change.kind.value)
            crash_points.reach("pull.applying")
        if persons:
            running = _apply_persons(db, dek, persons, running)
        if page.start_over:
            drop_downloaded(db)
            running, units = RegistrySum(), {}
        meta.put(db, REGISTRY_SUM, running.encode())
        meta.put_json(db, UNIT_VERSIONS, units or None)
        meta.put(db, meta.PULL_CURSOR, page.next_cursor)
    return started_over


# ── the digest ──────────────────────────────────────────────────────────────────────


def local_digest(db: Database) -> StationDigest | None:
    """What this station holds, in the server's terms; None before any catalog was pulled."""
    catalog = reference_store.get(db, reference_store.CATALOG)
    rates = reference_store.get(db, reference_store.RATES)
    if catalog is None or rates is None:
        return None
    running = RegistrySum.decode(meta.get(db, REGISTRY_SUM))
    # The count is read from the rows themselves, so a lost row shows even though the
    # running sum (kept as changes are applied) cannot see it.
    held = registry_store.count(db) + len(meta.get_json(db, UNIT_VERSIONS) or {})
    return station_digest(
        catalog_version=catalog.version,
        catalog_digest=catalog.digest,
        rates_digest=rates.digest,
        staff=staff.versions(db),
        registry=RegistrySum(held, running.total),
    )


def _restart_from_scratch(db: Database, server: StationDigest) -> None:
    with db.atomic():
        drop_downloaded(db)
        meta.put(db, meta.PULL_CURSOR, None)
        meta.put(db, DIGEST_RESTARTED_FOR, _digest_key(server))


def _digest_key(digest: StationDigest) -> str:
    return digest.model_dump_json()


# ── the loop ────────────────────────────────────────────────────────────────────────


def pull_all(db: Database, dek: DataKey, transport: Transport, *, limit: int = PAGE_LIMIT) -> PullReport:
    """Pull and apply pages until the server has nothing more; a SyncError stops the round."""
    fetcher = PageSource(transport, limit)
    try:
        return _pull_pages(db, dek, fetcher)
    finally:
        fetcher.close()


@dataclass(frozen=True)
class _Applied:
    """What the loop needs of a page once it is applied (the page itself is let go)."""

    changes: int
    started_over: bool
    more: bool  # has_more or start_over: ask on
    digest: StationDigest | None
    station_last_seq: int | None


def _next_page(db: Database, dek: DataKey, fetcher: PageSource) -> _Applied:
    """Read and apply the page after the stored cursor. The collector stays paused until the
    page's objects are let go, so resuming it finds next to nothing (``sync.collector``)."""
    with collector_paused():
        page = fetcher.page_after(meta.get(db, meta.PULL_CURSOR))
        started_over = apply_page(db, dek, page)
        applied = _Applied(
            len(page.changes),
            started_over,
            page.has_more or page.start_over,
            page.digest,
            page.station_last_seq,
        )
        del page
    return applied


def _pull_pages(db: Database, dek: DataKey, fetcher: PageSource) -> PullReport:
    report = PullReport()
    digest_restart_done = False
    for _ in range(MAX_PAGES_PER_ROUND):
        # The next pages are asked for while this one is applied (sync.pages_ahead): the
        # server builds and the store writes at once. Every page is still applied in order,
        # in its own transaction with its cursor; a page whose application fails leaves the
        # cursor where it was, and the pages asked ahead are dropped.
        applied = _next_page(db, dek, fetcher)
        if applied.started_over:
            report.started_over = True
        crash_points.reach("pull.applied")
        report.pages += 1
        report.changes += applied.changes
        if applied.more:
            continue
        report.station_last_seq = applied.station_last_seq
        if applied.digest is None:  # the server could not vouch for this moment: fine, next round
            return report
        ours = local_digest(db)
        if ours == applied.digest:
            report.in_step = True
            meta.put(db, DIGEST_RESTARTED_FOR, None)
            return report
        log.warning("pull: digest differs (ours %s, server %s)", ours, applied.digest)
        if digest_restart_done or meta.get(db, DIGEST_RESTARTED_FOR) == _digest_key(applied.digest):
            report.digest_problem = True  # starting over again would not help: say so
            return report
        _restart_from_scratch(db, applied.digest)
        digest_restart_done = report.started_over = True
    report.digest_problem = True
    return report
