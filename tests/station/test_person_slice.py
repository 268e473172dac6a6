"""The records the township's slice carries, at the station: stored by slice version (a
records-only change is applied; a case keeps basing itself on the registry row's version),
store v5 re-pulls an old slice, and the person card says what the desk needs to know."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

from schema.records import BenefitRecord, EnrolmentRecord, LastContribution, PersonRecord
from schema.vocabulary import InsuranceType
from station_client.store import meta, migrate, open_store, registry
from station_client.store.migrations import MIGRATIONS, user_version
from station_client.ui.viewmodels.person import person_card
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, StationHome, person

TODAY = date(2026, 3, 2)
PENSION = BenefitRecord(
    kind="employee_pension", monthly_amount=Decimal("3120.55"), status="in_payment", start_month="2020-06"
)


def _pensioner(**changes: object) -> PersonRecord:
    base = person(KNOWN_ID, KNOWN_NAME, version=3)
    return PersonRecord.model_validate(
        {
            **base.model_dump(),
            "enrolments": (
                EnrolmentRecord(
                    insurance=InsuranceType.ENTERPRISE_PENSION,
                    county="511102",
                    status="stopped",
                    since=date(2001, 7, 1),
                    version=2,
                ),
            ),
            "benefits": (PENSION,),
            "card_status": "active",
            "last_contributions": (
                LastContribution(insurance=InsuranceType.ENTERPRISE_PENSION, month="2020-05"),
            ),
            **changes,
        }
    )


def test_a_records_only_change_is_applied_and_the_registry_version_stays_the_base(
    station_home: StationHome,
) -> None:
    db, dek = station_home.db, station_home.dek
    assert registry.upsert_person(db, dek, _pensioner(records_version=1))  # slice 4 replaces 3
    died = _pensioner(
        records_version=2,
        status="deceased",
        death_date=date(2026, 1, 15),
        benefits=(PENSION.model_copy(update={"status": "ended", "end_month": "2026-01"}),),
        card_status="cancelled",
    )
    assert registry.upsert_person(db, dek, died)
    assert not registry.upsert_person(db, dek, _pensioner(records_version=1))  # an older slice: kept out
    held = registry.get_person(db, dek, KNOWN_ID)
    assert held is not None and (held.status, held.death_date, held.card_status) == (
        "deceased",
        date(2026, 1, 15),
        "cancelled",
    )
    assert registry.person_version(db, dek, KNOWN_ID) == 3  # what a G08 is based on
    assert registry.slice_version(db, dek, KNOWN_ID) == 5  # what pulls and the digest compare


def test_store_v5_drops_a_slice_pulled_without_records_and_pulls_again(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    db.execute(
        "INSERT INTO persons (key_hmac, township_code, version, name_hmac, enc) VALUES ('k', 't', 1, 'n', x'00')"
    )
    for key in ("pull_cursor", "registry_sum", "unit_versions", "catalog_version"):
        meta.put(db, key, "x")
    # Back to version 4, as a store written by the previous release.
    db.execute("PRAGMA user_version = 4")
    db.close()
    raw = sqlite3.connect(tmp_path / "station.db")
    raw.execute("ALTER TABLE persons DROP COLUMN registry_version")
    raw.commit()
    raw.close()
    db = open_store(tmp_path)
    assert user_version(db) == len(MIGRATIONS)  # v5 and every later migration ran
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    assert [meta.get(db, k) for k in ("pull_cursor", "registry_sum", "unit_versions")] == [None, None, None]
    assert meta.get(db, "catalog_version") == "x"  # everything else stays
    assert "registry_version" in {c.name for c in db["persons"].columns}
    assert migrate(db) == len(MIGRATIONS)


def test_the_person_card_says_dead_first_and_shows_benefits_card_and_months() -> None:
    died = _pensioner(
        status="deceased",
        death_date=date(2026, 1, 15),
        benefits=(PENSION.model_copy(update={"status": "ended", "end_month": "2026-01"}),),
        card_status="cancelled",
        residence="511102006",
        records_version=1,
    )
    card = person_card(died, TODAY)
    assert card.deceased is not None and card.deceased.startswith("【已死亡】2026年1月15日死亡。")
    assert "不能再为本人办理缴费" in card.deceased and "丧葬补助金" in card.deceased  # what to do next
    lines = dict(card.lines)
    assert lines["参保状态"] == "已死亡（参保关系终止）"
    assert lines["社保卡"] == "已注销"
    assert lines["经常居住地"] == "乐山市市中区通江街道"
    assert card.benefits == [("职工基本养老金", "3,120.55 元", "终止", "2020年6月至2026年1月")]
    assert card.enrolments == [("企业职工基本养老保险", "乐山市市中区", "终止参保", "2001年7月", "2020年5月")]


def test_a_living_insured_person_shows_what_is_paid_and_the_last_month() -> None:
    alive = _pensioner(
        enrolments=(
            EnrolmentRecord(
                insurance=InsuranceType.RESIDENT_PENSION,
                county="511102",
                status="active",
                since=date(2010, 1, 1),
                version=1,
            ),
        ),
        benefits=(),
        card_status=None,
        last_contributions=(
            LastContribution(insurance=InsuranceType.RESIDENT_PENSION, month="2025-12"),
            LastContribution(insurance=InsuranceType.ENTERPRISE_PENSION, month="2009"),
        ),
    )
    card = person_card(alive, TODAY)
    lines = dict(card.lines)
    assert card.deceased is None and card.benefits == []
    assert lines["参保状态"] == "正常参保：城乡居民基本养老保险"
    assert lines["社保卡"] == "无制卡记录"
    assert card.enrolments == [
        ("城乡居民基本养老保险", "乐山市市中区", "正常参保", "2010年1月", "2025年12月"),
        ("企业职工基本养老保险", "—", "无参保登记", "—", "2009年（已归档）"),  # paid before, no enrolment now
    ]
    assert card.insured_places == "乐山市市中区"
