"""A page's person changes are written together (one look-up of versions, one executemany),
yet each is applied by version and in order, as one at a time would be."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from schema.protocol import Change, ChangeKind, PullPage
from schema.records import PersonRecord
from schema.registry_digest import RegistrySum
from station_client.crypto.keys import DataKey
from station_client.services import registry
from station_client.store import meta, open_store
from station_client.store import registry as registry_store
from station_client.sync import pull
from station_client.sync.pulled_page import PersonChange, PulledPage
from tests.support.factories import person_id

TODAY = dt.date(2026, 11, 26)


def _record(n: int, name: str, records_version: int = 0) -> PersonRecord:
    return PersonRecord.model_validate(
        {
            "id_number": person_id(n),
            "name": name,
            "sex": "M",
            "birth_date": "1970-01-01",
            "township": "511102004",
            "version": 1,
            "records_version": records_version,
        }
    )


def _change(record: PersonRecord) -> Change:
    data = record.model_dump(mode="json")
    return Change(kind=ChangeKind.PERSON, key=record.id_number, version=record.slice_version, data=data)


def _gone(n: int) -> Change:
    return Change(kind=ChangeKind.PERSON, key=person_id(n), version=9, deleted=True)


def _page(*changes: Change, cursor: str) -> PullPage:
    return PullPage(changes=changes, next_cursor=cursor, has_more=True)


def test_a_run_of_person_changes_keeps_versions_order_and_the_running_digest(tmp_path: Path):
    db, dek = open_store(tmp_path), DataKey.generate()
    pull.apply_page(db, dek, _page(_change(_record(1, "张三", 3)), _change(_record(2, "李四")), cursor="c1"))
    page = _page(
        _change(_record(1, "张三旧", 1)),  # older than held: ignored
        _change(_record(2, "李四新", 2)),  # newer: replaces
        _change(_record(2, "李四再", 1)),  # older than the one just applied in this page: ignored
        _gone(1),
        _change(_record(1, "张三回", 0)),  # back after the deletion, even at a lower version
        _change(_record(3, "王五")),
        _gone(4),  # never held: nothing to do
        cursor="c2",
    )
    pull.apply_page(db, dek, page)
    pull.apply_page(db, dek, page)  # applied twice: changes nothing
    names = {n: registry.find_by_id(db, dek, person_id(n), today=TODAY) for n in (1, 2, 3, 4)}
    assert {n: r.name if r else None for n, r in names.items()} == {
        1: "张三回",
        2: "李四新",
        3: "王五",
        4: None,
    }
    assert registry_store.count(db) == 3 and meta.get(db, meta.PULL_CURSOR) == "c2"
    expected = RegistrySum.of([(person_id(1), 1), (person_id(2), 3), (person_id(3), 1)])
    assert RegistrySum.decode(meta.get(db, pull.REGISTRY_SUM)) == expected
    db.close()


def test_a_bad_person_change_applies_nothing_of_its_page(tmp_path: Path):
    db, dek = open_store(tmp_path), DataKey.generate()
    bad = Change(kind=ChangeKind.PERSON, key=person_id(5), version=1, data={"id_number": person_id(5)})
    try:
        pull.apply_page(db, dek, _page(_change(_record(1, "张三")), bad, cursor="c1"))
    except pull.ProtocolError as exc:
        assert exc.code == "change_invalid"
    else:  # pragma: no cover - the page must be refused
        raise AssertionError("a record that does not parse was applied")
    assert registry_store.count(db) == 0 and meta.get(db, meta.PULL_CURSOR) is None
    db.close()


def _pulled(*changes: Change, cursor: str) -> PulledPage:
    """The page as the transport reads it from the server's bytes."""
    return PulledPage.model_validate_json(_page(*changes, cursor=cursor).model_dump_json())


def test_the_transport_reads_person_changes_as_records_and_the_rest_as_before(tmp_path: Path):
    unit = Change(
        kind=ChangeKind.UNIT, key="91511100MA62A1B2C3", version=2, data={"uscc": "91511100MA62A1B2C3"}
    )
    bad = Change(kind=ChangeKind.PERSON, key=person_id(5), version=1, data={"id_number": person_id(5)})
    page = _pulled(_change(_record(1, "张三")), _gone(2), unit, bad, cursor="c1")
    person, gone, other, wrong = page.changes
    assert isinstance(person, PersonChange) and person.data == _record(1, "张三")
    assert isinstance(gone, PersonChange) and gone.deleted and gone.data == {}
    assert type(other) is Change and other.data == unit.data
    assert isinstance(wrong, PersonChange) and wrong.data == bad.data  # kept as it came ...
    db, dek = open_store(tmp_path), DataKey.generate()
    try:
        pull.apply_page(db, dek, page)
    except pull.ProtocolError as exc:
        assert exc.code == "change_invalid"  # ... so applying it fails as before
    else:  # pragma: no cover - the page must be refused
        raise AssertionError("a record that does not parse was applied")
    assert registry_store.count(db) == 0 and meta.get(db, meta.PULL_CURSOR) is None
    db.close()


def test_updates_keep_the_name_index_right(tmp_path: Path):
    db, dek = open_store(tmp_path), DataKey.generate()
    pull.apply_page(db, dek, _pulled(*(_change(_record(n, f"赵{n}")) for n in (1, 2, 3)), cursor="c1"))
    page = _pulled(
        _change(_record(1, "赵1", 1)),  # same name: only the versions and the blob change
        _change(_record(2, "钱2", 1)),  # renamed: its name's index entry moves
        _gone(3),
        _change(_record(3, "赵3", 1)),  # gone and back in one page, under the same name
        cursor="c2",
    )
    pull.apply_page(db, dek, page)
    pull.apply_page(db, dek, page)  # applied twice: changes nothing
    assert [r.records_version for r in registry.find_by_name(db, dek, "赵1")] == [1]
    assert registry.find_by_name(db, dek, "赵2") == [] and registry.find_by_name(db, dek, "钱2") == [
        _record(2, "钱2", 1)
    ]
    assert registry.find_by_name(db, dek, "赵3") == [_record(3, "赵3", 1)]
    assert registry_store.slice_version(db, dek, person_id(1)) == 2 and registry_store.count(db) == 3
    expected = RegistrySum.of([(person_id(n), 2) for n in (1, 2, 3)])
    assert RegistrySum.decode(meta.get(db, pull.REGISTRY_SUM)) == expected
    db.close()
