"""The township's slice carries the records the desk needs, on SQLite and PostgreSQL:
the snapshot reads them from the tables, a change of them reaches the stations on their
next pull (``services.feed.person_slice.tell_townships``), a push's registry change of the
same person keeps them, and the digest counts them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from schema.records import PersonRecord
from sync_server.core.ingest.registry_slice import RegistrySlice
from sync_server.core.registry_effects import Effect
from sync_server.db.engine import Database
from sync_server.db.tables import benefits, cards, contribution_records, contribution_year_summaries, persons
from sync_server.services.feed import person_slice
from sync_server.services.ingest import registry_updates
from tests.server.test_pull_feed import STATION_A, Mirror, add_stations, seed_registry, settings, sync

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
PENSIONER = "511102198001010000"  # person 0 of test_pull_feed's registry, in STATION_A's township
MONEY = Decimal("0.00")


def _month_row(month: str, employer: str, personal: str, source: str = "desk") -> dict[str, object]:
    return {
        "id_number": PENSIONER,
        "insurance_type": "enterprise_pension",
        "month": month,
        "base": Decimal("4000.00"),
        "employer_part": Decimal(employer),
        "personal_part": Decimal(personal),
        "account_part": Decimal(personal),
        "source": source,
        "county_code": "511102",
    }


def _give_records(conn: sa.Connection) -> None:
    """A pension in payment, an ended unemployment benefit, a cancelled then an active card,
    months paid with the last one refunded, an archived year of residents' pension."""
    common = {"id_number": PENSIONER, "calculation": {}, "county_code": "511102"}
    conn.execute(
        sa.insert(benefits),
        [
            {**common, "kind": "unemployment_benefit", "monthly_amount": Decimal("1710.00"),
             "start_month": "2012-03", "end_month": "2013-02", "status": "ended", "paid_through": "2013-02"},
            {**common, "kind": "employee_pension", "monthly_amount": Decimal("3120.55"),
             "start_month": "2025-06", "end_month": None, "status": "in_payment", "paid_through": "2026-02"},
        ],
    )  # fmt: skip
    for status in ("cancelled", "active"):
        conn.execute(sa.insert(cards).values(id_number=PENSIONER, status=status, history=[]))
    conn.execute(
        sa.insert(contribution_records),
        [
            _month_row("2025-04", "640.00", "320.00"),
            _month_row("2025-05", "640.00", "320.00"),
            _month_row("2025-05", "-640.00", "-320.00", source="refund"),  # refunded: not paid
        ],
    )
    conn.execute(
        sa.insert(contribution_year_summaries).values(
            id_number=PENSIONER, insurance_type="resident_pension", year=2009, months=12, base_sum=MONEY,
            employer_sum=MONEY, personal_sum=Decimal("1200.00"), account_sum=Decimal("1200.00"),
            index_sum=Decimal("0"), county_code="511102",
        )
    )  # fmt: skip


def _held(mirror: Mirror) -> PersonRecord:
    change = mirror.held[("person", PENSIONER)]
    record = PersonRecord.model_validate(change.data)
    assert change.version == record.slice_version
    return record


def test_the_snapshot_carries_benefits_card_last_months_and_status(db: Database, tmp_path: Path) -> None:
    add_stations(db)
    seed_registry(db)
    with db.write() as conn:
        _give_records(conn)
        conn.execute(
            sa.update(persons)
            .where(persons.c.id_number == PENSIONER)
            .values(records_version=2, residence_code="511102003")
        )
    mirror = Mirror()
    sync(db, mirror, STATION_A, settings(tmp_path))
    record = _held(mirror)
    assert (record.version, record.records_version, record.slice_version) == (1, 2, 3)
    assert (record.status, record.death_date, record.residence) == ("alive", None, "511102003")
    assert [(b.kind, b.status, b.monthly_amount, b.end_month) for b in record.benefits] == [
        ("employee_pension", "in_payment", Decimal("3120.55"), None),
        ("unemployment_benefit", "ended", Decimal("1710.00"), "2013-02"),
    ]
    assert record.card_status == "active"  # the latest card issued
    assert {c.insurance.value: c.month for c in record.last_contributions} == {
        "enterprise_pension": "2025-04",  # May was refunded
        "resident_pension": "2009",  # only an archived year
    }
    assert mirror.digest == mirror.own_digest()  # the digest counts the records' version too


def test_a_change_of_records_reaches_the_township_on_its_next_pull(db: Database, tmp_path: Path) -> None:
    add_stations(db)
    seed_registry(db)
    with db.write() as conn:
        _give_records(conn)
    mirror, cfg = Mirror(), settings(tmp_path)
    sync(db, mirror, STATION_A, cfg)
    before = _held(mirror)
    assert (before.status, before.benefits[0].status, before.slice_version) == ("alive", "in_payment", 1)

    with db.write() as conn:  # what a death registration's approval does to the records
        conn.execute(
            sa.update(persons)
            .where(persons.c.id_number == PENSIONER)
            .values(status="deceased", death_date=dt.date(2026, 1, 15))
        )
        conn.execute(
            sa.update(benefits)
            .where(benefits.c.id_number == PENSIONER, benefits.c.status == "in_payment")
            .values(status="ended", end_month="2026-01", status_reason="死亡")
        )
        conn.execute(sa.update(cards).where(cards.c.status == "active").values(status="cancelled"))
        told = person_slice.tell_townships(conn, [PENSIONER, PENSIONER])
    assert [(c.scope, c.key, c.version) for c in told] == [("township:511102004", PENSIONER, 2)]

    sync(db, mirror, STATION_A, cfg)
    after = _held(mirror)
    assert (after.status, after.death_date, after.card_status) == (
        "deceased",
        dt.date(2026, 1, 15),
        "cancelled",
    )
    assert (after.benefits[0].kind, after.benefits[0].status, after.benefits[0].end_month) == (
        "employee_pension",
        "ended",
        "2026-01",
    )
    assert (after.version, after.records_version) == (1, 1)  # the registry row's version stays
    assert mirror.digest == mirror.own_digest()


def test_a_registry_change_at_push_keeps_the_records_of_the_person(db: Database) -> None:
    add_stations(db)
    seed_registry(db)
    with db.write() as conn:
        _give_records(conn)
        conn.execute(sa.update(persons).where(persons.c.id_number == PENSIONER).values(records_version=5))
        loaded = registry_updates.load(conn, RegistrySlice(), [PENSIONER], [PENSIONER], [])
        person = loaded.persons[PENSIONER]
        loaded.apply(Effect(persons=(person.__class__(**{**person.as_json(), "birth_date": person.birth_date,
                                                          "phone": "13912345678", "version": 2}),)))  # fmt: skip
        (change,) = registry_updates.write(conn, loaded, NOW)
    record = PersonRecord.model_validate(change.data)
    assert (record.phone, record.version, record.records_version, change.version) == ("13912345678", 2, 5, 7)
    assert [b.kind for b in record.benefits] == ["employee_pension", "unemployment_benefit"]
    assert record.card_status == "active"


def test_a_push_builds_from_its_slice_the_record_a_whole_read_gives(db: Database) -> None:
    """``township_news``: a locked person's record from the push's slice (a registry change)
    and a payer's (months paid, ``records_version`` up one) equal what a whole read gives."""
    from sync_server.core.feed_change import FeedChange
    from sync_server.services.ingest import township_news

    add_stations(db)
    seed_registry(db)
    with db.read() as conn:
        payer = conn.execute(
            sa.select(persons.c.id_number).where(persons.c.id_number != PENSIONER).order_by(persons.c.id_number)
        ).scalars().first()  # fmt: skip
    assert payer is not None
    with db.write() as conn:
        _give_records(conn)
        loaded = registry_updates.load(conn, RegistrySlice(), [PENSIONER, payer], [PENSIONER, payer], [])
        person = loaded.persons[PENSIONER]
        loaded.apply(Effect(persons=(person.__class__(**{**person.as_json(), "birth_date": person.birth_date,
                                                          "phone": "13912345678", "version": 2}),)))  # fmt: skip
        conn.execute(sa.insert(contribution_records).values(
            **{**_month_row("2026-02", "0", "300.00"), "id_number": payer}))  # fmt: skip
        registry_changes = registry_updates.write(conn, loaded, NOW, complete=False)
        news = township_news.person_news(conn, loaded, {PENSIONER, payer}, registry_changes, {payer})
        whole = {c.key: c for c in person_slice.person_changes(conn, [PENSIONER, payer])}
    assert [c.key for c in news] == [PENSIONER, payer]
    for change in news:
        assert isinstance(change, FeedChange)
        assert (change.scope, change.version, change.data) == (
            whole[change.key].scope,
            whole[change.key].version,
            whole[change.key].data,
        )
    paid = PersonRecord.model_validate(news[1].data)
    assert paid.records_version == 1 and [c.month for c in paid.last_contributions] == ["2026-02"]
    assert PersonRecord.model_validate(news[0].data).phone == "13912345678"
