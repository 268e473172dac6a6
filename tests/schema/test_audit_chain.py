"""The audit chain both sides keep: one format, pinned, and every break named."""

from __future__ import annotations

import dataclasses
import datetime as dt

from schema.audit_chain import (
    GENESIS,
    AuditEntry,
    canonical_time,
    chain,
    entry_bytes,
    entry_hash,
    verify_chain,
)

AT = dt.datetime(2026, 11, 26, 9, 30, 0, 123456, tzinfo=dt.UTC)
ITEMS = [
    (AT, "li.mei", "case.accept", "case", "c1", {"item": "G01", "n": 1}),
    (AT, "wang.fang", "case.approve", "case", "c1", {"reason": "材料齐全"}),
    (AT + dt.timedelta(seconds=1), "system", "station.enrol", "station", "511102004-00", {}),
]


def test_the_hashed_bytes_are_the_compact_json_array_the_server_has_always_stored():
    [first] = chain(0, GENESIS, ITEMS[:1])
    assert (
        entry_bytes(first)
        == (
            '[1,"2026-11-26T09:30:00.123456","li.mei","case.accept","case","c1",{"item":"G01","n":1},"'
            + GENESIS
            + '"]'
        ).encode()
    )
    # Pinned: rows already in the server's audit_log were hashed this way and must keep verifying.
    assert first.hash == "e278baee097dca366e14e5ae210ec5ada8c93e26d5bd677fc27ee85f8e91d09c"
    assert entry_hash(first) == first.hash


def test_the_time_is_hashed_in_utc_whatever_zone_or_none_the_database_returned():
    beijing = AT.astimezone(dt.timezone(dt.timedelta(hours=8)))
    naive_utc = AT.replace(tzinfo=None)
    assert canonical_time(beijing) == canonical_time(naive_utc) == "2026-11-26T09:30:00.123456"
    entries = chain(0, GENESIS, ITEMS)
    moved = [dataclasses.replace(e, at=e.at.astimezone(beijing.tzinfo)) for e in entries]
    assert verify_chain(moved).intact


def test_a_chain_continues_from_its_head_and_verifies_whole():
    first = chain(0, GENESIS, ITEMS[:2])
    rest = chain(first[-1].seq, first[-1].hash, ITEMS[2:])
    assert [e.seq for e in [*first, *rest]] == [1, 2, 3]
    assert rest[0].prev_hash == first[-1].hash
    assert [*first, *rest] == chain(0, GENESIS, ITEMS)
    report = verify_chain([*first, *rest])
    assert (report.intact, report.entries) == (True, 3)


def test_every_kind_of_break_is_named_at_its_entry():
    entries = chain(0, GENESIS, ITEMS)
    edited = [entries[0], dataclasses.replace(entries[1], detail={"reason": "改过"}), entries[2]]
    report = verify_chain(edited)
    assert (report.first_broken_seq, report.entries, report.reason) == (
        2,
        2,
        "本条内容与其哈希不符（记录被改动）",
    )
    removed = verify_chain([entries[0], entries[2]])
    assert removed.first_broken_seq == 3 and "序号不连续" in (removed.reason or "")
    renumbered = [entries[0], dataclasses.replace(entries[2], seq=2)]
    assert verify_chain(renumbered).reason == "前一条的哈希不匹配（之前的记录被改动或删除）"
    assert verify_chain([]).intact


def test_an_entry_is_a_plain_value():
    entry = AuditEntry(1, AT, "a", "x.y", "case", "c", {}, GENESIS)
    assert (
        entry.hash == ""
        and entry_hash(entry) == chain(0, GENESIS, [(AT, "a", "x.y", "case", "c", {})])[0].hash
    )
