"""The synthetic Leshan registry: deterministic, valid identifiers, every county, realistic enrolments."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from schema.catalog import load_catalog
from schema.divisions import load_divisions
from schema.identifiers import Sex, parse_resident_id, parse_uscc
from schema.person_records import AccountYear, ContributionMonth, ContributionYearSummary
from schema.personal_account import close_account_year
from schema.record_derivations import account_balance, contribution_totals, summarise_year
from schema.vocabulary import InsuranceType, Role
from sync_server.db.engine import Database
from sync_server.db.tables import (
    audit_log,
    benefits,
    cards,
    case_events,
    cases,
    contribution_records,
    contribution_year_summaries,
    determinations,
    enrolments,
    operations,
    personal_accounts,
    persons,
    staff,
    stations,
    units,
)
from sync_server.demo.seed import DEMO_STATIONS, DESK_STATION, SeedError, seed_demo
from sync_server.demo.seed_cases import RETURN_NOTES, return_note, seed_history
from sync_server.demo.seed_histories import MONTHLY_FROM, split_line
from sync_server.demo.seed_lives import LifeGenerator, LifeRows
from sync_server.demo.seed_params import FIRST_YEAR, demo_rate_book, wages_by_year, year_params
from sync_server.demo.seed_registry import COUNTY_WEIGHTS, REFERENCE_DATE, RegistryGenerator
from sync_server.demo.seed_stations import furnish
from sync_server.services import audit
from sync_server.services.admin.station_contact import set_contact
from sync_server.services.finance import receipt_stock
from tests.support.factories import make_settings

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
D = load_divisions()


def _generate(seed: int, count: int) -> tuple[list, list, list]:
    generator = RegistryGenerator(seed)
    unit_rows = generator.units(max(30, count // 40))
    people, enrolled = [], []
    for chunk_people, chunk_enrolled in generator.persons(count, 1000):
        people += chunk_people
        enrolled += chunk_enrolled
    return unit_rows, people, enrolled


@pytest.fixture(scope="module")
def registry() -> tuple[list, list, list]:
    return _generate(seed=7, count=4000)


def test_the_same_seed_gives_the_same_registry() -> None:
    assert _generate(3, 300) == _generate(3, 300)
    assert _generate(3, 300)[1][:5] != _generate(4, 300)[1][:5]


def test_chunking_does_not_change_the_data() -> None:
    generator = RegistryGenerator(5)
    generator.units(30)
    in_one = next(generator.persons(200, 200))
    generator = RegistryGenerator(5)
    generator.units(30)
    in_chunks = list(generator.persons(200, 64))
    assert in_one[0] == list(itertools.chain.from_iterable(p for p, _ in in_chunks))


def test_every_id_number_is_valid_and_agrees_with_the_person(registry: tuple[list, list, list]) -> None:
    _, people, _ = registry
    assert len({p[0] for p in people}) == len(people)
    historical = 0
    for number, name, sex, birth, township, phone, address in people:
        rid = parse_resident_id(number, today=REFERENCE_DATE)
        assert rid.birth_date.isoformat() == birth
        assert rid.sex == (Sex.MALE if sex == "male" else Sex.FEMALE)
        assert 16 <= rid.age_on(REFERENCE_DATE) <= 95
        assert D.get(township).is_township and address.startswith(D.full_name(township))
        assert 2 <= len(name) <= 4
        assert phone is None or (len(phone) == 11 and phone.startswith("1"))
        historical += number.startswith("5126")
        if number.startswith("5126"):
            assert rid.birth_date.year < 1984  # old codes only on old people
    assert 0.005 < historical / len(people) < 0.05  # a few percent


def test_every_county_has_persons_in_proportion(registry: tuple[list, list, list]) -> None:
    _, people, _ = registry
    by_county = collections.Counter(p[4][:6] for p in people)
    assert set(by_county) == set(COUNTY_WEIGHTS)
    total = sum(COUNTY_WEIGHTS.values())
    for county, weight in COUNTY_WEIGHTS.items():
        assert abs(by_county[county] / len(people) - weight / total) < 0.02


def test_units_have_valid_codes_in_leshan(registry: tuple[list, list, list]) -> None:
    unit_rows, _, _ = registry
    assert len({u[0] for u in unit_rows}) == len(unit_rows)
    for code, name, county, township, risk in unit_rows:
        parsed = parse_uscc(code)
        assert parsed.check_digit_ok and parsed.organisation_category == "91" and parsed.area_code == county
        # 市本级 units (511100) are registered with the city bureau and sit in 市中区
        assert D.county_of(township).code == ("511102" if county == "511100" else county)
        assert name.endswith("有限公司")
        assert 1 <= risk <= 8
    assert len({u[4] for u in unit_rows}) >= 6
    city_level = [u for u in unit_rows if u[2] == "511100"]
    assert 0 < len(city_level) / len(unit_rows) < 0.1  # about 4 %


def test_enrolments_follow_the_kind_of_insured_person(registry: tuple[list, list, list]) -> None:
    unit_rows, people, enrolled = registry
    unit_county = {u[0]: u[2] for u in unit_rows}
    household = {p[0]: p[4][:6] for p in people}
    by_person: dict[str, dict[str, tuple]] = collections.defaultdict(dict)
    for row in enrolled:
        assert row[1] not in by_person[row[0]]  # one enrolment per insurance type
        by_person[row[0]][row[1]] = row
    kinds = collections.Counter()
    elsewhere = city_level_staff = 0
    for number, types in by_person.items():
        kind = next(iter(types.values()))[3]
        kinds[kind] += 1
        if kind == "employee":
            assert set(types) == {"enterprise_pension", "employee_medical", "work_injury", "unemployment"}
            for row in types.values():
                assert row[5] is not None and unit_county[row[5]] == row[2]
                city_level_staff += row[2] == "511100"
        if kind == "retired":
            assert set(types) == {"enterprise_pension", "employee_medical"}
        elsewhere += any(row[2] != household[number] for row in types.values())
    assert set(kinds) == {"employee", "flexible", "resident", "retired"}
    assert 0.1 < kinds["employee"] / len(people) < 0.3
    assert 0.005 < elsewhere / len(people) < 0.1  # some work and pay in another county
    assert len(by_person) > 0.9 * len(people)  # nearly everyone is insured somewhere
    assert city_level_staff > 0  # some employees are insured with 市本级


def test_seed_demo_loads_an_empty_database(db: Database) -> None:
    seen: list[int] = []
    report = seed_demo(
        db,
        persons_count=600,
        seed=11,
        now=NOW,
        actor="cli:test",
        code_hours=24,
        progress=lambda d, t, s: seen.append(d),
    )
    assert seen[-1] == 600
    _, expected_people, expected_enrolled = _generate(11, 600)
    with db.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(persons)).scalar_one()
        first = conn.execute(
            sa.select(persons.c.id_number, persons.c.name).order_by(persons.c.id_number)
        ).all()
        assert count == report.persons == 600
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(enrolments)).scalar_one() == report.enrolments
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(units)).scalar_one() == report.units
        assert conn.execute(sa.select(sa.func.count()).select_from(stations)).scalar_one() >= 4
        counties = set(conn.execute(sa.select(stations.c.county_code)).scalars())
        roles = set(conn.execute(sa.select(staff.c.role)).scalars())
        seeded = conn.execute(sa.select(audit_log).where(audit_log.c.action == "seed.demo")).one()
        assert audit.verify(conn).intact
        born = conn.execute(sa.select(persons.c.birth_date).limit(1)).scalar_one()
    assert [tuple(r) for r in first] == sorted((p[0], p[1]) for p in expected_people)
    assert report.enrolments == len(expected_enrolled)
    assert isinstance(born, dt.date)
    assert len(counties) >= 3
    assert roles == {r.value for r in Role}
    assert seeded.detail["persons"] == 600
    assert len(report.stations) >= 4 and all(len(s.code) == 19 for s in report.stations)


def test_seed_demo_refuses_a_database_with_persons(db: Database) -> None:
    seed_demo(db, persons_count=50, seed=1, now=NOW, actor="cli:test", code_hours=24)
    with pytest.raises(SeedError) as caught:
        seed_demo(db, persons_count=50, seed=1, now=NOW, actor="cli:test", code_hours=24)
    assert caught.value.code == "seed_database_not_empty"


# ---- the demo stations at the desk: contact and receipt stock --------------------------


def test_every_demo_station_gets_a_contact_and_a_range_of_receipt_numbers(db: Database) -> None:
    """Documents print the station's phone and address, and a fee needs a 缴费收据 number from
    the city's stock: the seed gives every demo station both, through the administrator's services."""
    report = seed_demo(db, persons_count=50, seed=1, now=NOW, actor="cli:test", code_hours=24)
    ids = {f"{township}-{point:02d}" for township, point, _ in DEMO_STATIONS}
    with db.read() as conn:
        rows = conn.execute(sa.select(stations).where(stations.c.id.in_(ids))).all()
        ranges = {s: receipt_stock.station_ranges(conn, s) for s in ids}
        actions = collections.Counter(conn.execute(sa.select(audit_log.c.action)).scalars())
        assert audit.verify(conn).intact
    assert {r.id for r in rows} == ids and set(report.furnished.contacts) == ids
    for row in rows:  # 0833-2132580, 乐山市市中区大佛街道嘉定中路56号…
        assert re.fullmatch(r"0833-\d{7}", row.phone), row.phone
        assert row.address.startswith(D.full_name(row.township_code)) and "号" in row.address, row.address
    assert len({r.phone for r in rows}) == len(rows)
    assert all(len(held) == 1 and held[0].size == 500 for held in ranges.values())
    assert all(held[0].series.startswith(s[:6]) for s, held in ranges.items())  # the county's 票据代码
    assert len(report.furnished.ranges) == len(ids)
    assert actions["receipt.allocate"] == actions["station.contact"] == len(ids)


def test_furnishing_again_only_gives_what_a_station_never_had(db: Database) -> None:
    """`make demo` furnishes on every start: nothing twice, a cleared contact stays cleared."""
    seed_demo(db, persons_count=50, seed=1, now=NOW, actor="cli:test", code_hours=24)
    ids = [f"{township}-{point:02d}" for township, point, _ in DEMO_STATIONS]
    with db.write() as conn:
        set_contact(conn, DESK_STATION, phone="", address="", now=NOW, actor="cli:test")
        again = furnish(conn, ids, now=NOW, actor="cli:test")
        desk = conn.execute(sa.select(stations).where(stations.c.id == DESK_STATION)).one()
        held = receipt_stock.station_ranges(conn, DESK_STATION)
    assert again.contacts == [] and again.ranges == []
    assert desk.phone is None and desk.address is None and len(held) == 1


def _names(note: str, material: str) -> bool:
    """Whether the reviewer's ``note`` is about ``material`` (by its name, without the bracketed
    remark; one of its alternatives will do: 医疗诊断证明 for 医疗诊断证明或职业病诊断证明书)."""
    stem = material.split("（", maxsplit=1)[0]
    return stem in note or any(len(part) >= 4 and part in note for part in stem.split("或"))


def test_a_return_s_note_is_about_the_material_it_asks_for() -> None:
    catalog = load_catalog()
    items = {item for item, _ in RETURN_NOTES}
    for code in sorted(items):
        for material in catalog.item(code).materials:
            if material.requirement == "required":
                note = return_note(catalog, code, material.code)
                assert _names(note, material.name), (code, material.name, note)


# ---- histories: contribution records, summaries, accounts, benefits, cards --------------

WAGES = wages_by_year(year_params(2025))
PENSION = InsuranceType.ENTERPRISE_PENSION


@dataclasses.dataclass
class Lives:
    contributions: list[ContributionMonth]
    summaries: list[ContributionYearSummary]
    accounts: list[AccountYear]
    benefits: list[tuple]
    cards: list[tuple]
    persons: list[tuple]
    enrolments: list[tuple]


def _models(rows: LifeRows) -> Lives:
    contributions = [
        ContributionMonth(id_number=r[0], insurance=r[1], month=r[2], base=r[3], employer_part=r[4],
                          personal_part=r[5], account_part=r[6], source=r[7], county=r[8], unit_uscc=r[9])
        for r in map(split_line, rows.contributions)
    ]  # fmt: skip
    summaries = [
        ContributionYearSummary(id_number=r[0], insurance=r[1], year=r[2], months=r[3], base_sum=r[4],
                                employer_sum=r[5], personal_sum=r[6], account_sum=r[7], index_sum=r[8], county=r[9])
        for r in map(split_line, rows.summaries)
    ]  # fmt: skip
    accounts = [
        AccountYear(id_number=r[0], insurance=r[1], year=r[2], opening=r[3], credited=r[4], interest=r[5], rate=r[6],
                    closing=r[7])
        for r in map(split_line, rows.account_years)
    ]  # fmt: skip
    return Lives(contributions, summaries, accounts, [split_line(b) for b in rows.benefits],
                 [split_line(c) for c in rows.cards], [split_line(p) for p in rows.persons],
                 [split_line(e) for e in rows.enrolments])  # fmt: skip


def _lives(seed: int, count: int, *, monthly_from: int = MONTHLY_FROM, chunk: int = 1000) -> Lives:
    generator = RegistryGenerator(seed)
    unit_rows = generator.units(max(30, count // 40))
    lives = LifeGenerator(seed, {u[0]: u[4] for u in unit_rows}, monthly_from=monthly_from)
    merged = LifeRows()
    for people, enrolled in generator.persons(count, chunk):
        rows = lives.chunk(people, enrolled)
        for name in (
            "persons",
            "enrolments",
            "contributions",
            "summaries",
            "account_years",
            "benefits",
            "cards",
        ):
            getattr(merged, name).extend(getattr(rows, name))
    return _models(merged)


def _by_person(items: list) -> dict[str, list]:
    out: dict[str, list] = collections.defaultdict(list)
    for item in items:
        out[item.id_number].append(item)
    return out


@pytest.fixture(scope="module")
def lives() -> Lives:
    return _lives(7, 3000)


@pytest.fixture(scope="module")
def all_monthly() -> Lives:
    """The same lives with every year kept month by month (nothing archived)."""
    return _lives(7, 3000, monthly_from=FIRST_YEAR)


def test_lives_are_the_same_whatever_the_chunks() -> None:
    assert _lives(5, 400, chunk=400) == _lives(5, 400, chunk=37)
    assert _lives(5, 400).contributions != _lives(6, 400).contributions


def test_recent_months_are_monthly_and_older_years_summarised(lives: Lives) -> None:
    assert min(r.month for r in lives.contributions) == f"{MONTHLY_FROM}-01"
    assert max(r.month for r in lives.contributions) == "2025-12"
    assert max(s.year for s in lives.summaries) == MONTHLY_FROM - 1
    assert min(s.year for s in lives.summaries) == FIRST_YEAR
    kinds = {(r.insurance, r.source) for r in lives.contributions}
    assert {("enterprise_pension", "unit_declaration"), ("enterprise_pension", "desk"),
            ("work_injury", "unit_declaration"), ("unemployment", "unit_declaration"),
            ("resident_pension", "desk")} <= kinds  # fmt: skip
    # a year's base is the same each month, within that year's limits
    for row in lives.contributions:
        if row.insurance == "enterprise_pension" and row.source == "unit_declaration":
            limits = year_params(2025)[int(row.month[:4])]
            assert limits.lower <= row.base <= limits.upper
            assert row.personal_part == (row.base * Decimal("0.08")).quantize(Decimal("0.01"))


def test_every_derived_figure_is_the_same_from_summaries_or_months(lives: Lives, all_monthly: Lives) -> None:
    """What the one database derives (years, index, account) does not depend on archiving."""
    assert not all_monthly.summaries and lives.summaries
    assert lives.accounts == all_monthly.accounts
    recent, archived = _by_person(lives.contributions), _by_person(lives.summaries)
    months, accounts = _by_person(all_monthly.contributions), _by_person(lives.accounts)
    compared = 0
    for number in set(months):
        for insurance in {r.insurance for r in months[number]}:
            whole = contribution_totals(months[number], [], insurance, wages=WAGES)
            split = contribution_totals(recent[number], archived[number], insurance, wages=WAGES)
            assert whole == split, (number, insurance)
            assert whole.average_index == split.average_index
            assert account_balance(accounts[number], months[number], [], insurance) == account_balance(
                accounts[number], recent[number], archived[number], insurance
            )
            compared += 1
    assert compared > 3000
    # and each archived line is exactly what summarising its months gives
    for line in lives.summaries[::7]:
        rows = [r for r in months[line.id_number] if r.insurance == line.insurance]
        assert summarise_year(rows, year=line.year, wages=WAGES) == line


def test_account_statements_are_the_rate_book_formula(all_monthly: Lives) -> None:
    book = demo_rate_book(year_params(2025))
    months = _by_person(all_monthly.contributions)
    checked = 0
    for statement in all_monthly.accounts[::11]:
        credits: dict[int, Decimal] = collections.defaultdict(Decimal)
        for row in months[statement.id_number]:
            if row.insurance == statement.insurance and int(row.month[:4]) == statement.year:
                credits[int(row.month[5:])] += row.account_part
        expected = close_account_year(
            year=statement.year, opening=statement.opening, credits=credits, rates=book
        )
        assert (statement.interest, statement.closing) == (expected.interest, expected.closing)
        assert statement.rate == book.benefits.interest_rate(statement.year).rate
        checked += 1
    assert checked > 300
    assert max(a.year for a in all_monthly.accounts) == 2024  # 2025's 记账利率 is not known yet


def test_pensions_are_computed_from_the_person_s_records(lives: Lives) -> None:
    recent, archived = _by_person(lives.contributions), _by_person(lives.summaries)
    accounts = _by_person(lives.accounts)
    kinds = collections.Counter(b[1] for b in lives.benefits)
    assert kinds["employee_pension"] > 100 and kinds["resident_pension"] > 100
    with_history = 0
    for number, kind, amount, calculation, *_ in lives.benefits:
        calc = json.loads(calculation)
        assert Decimal(amount) == Decimal(calc["monthly_amount"]) > 0 and calc["kind"] == kind
        if kind != "employee_pension" or calc["inputs"]["contribution_months"] == "0":
            continue
        totals = contribution_totals(recent[number], archived[number], PENSION, wages=WAGES)
        balance = account_balance(accounts[number], recent[number], archived[number], PENSION)
        assert calc["inputs"]["contribution_months"] == str(totals.months)
        assert Decimal(calc["inputs"]["average_index"]) == totals.average_index
        assert Decimal(calc["inputs"]["account_balance"]) == balance
        with_history += 1
    assert with_history > 100


def test_the_dead_are_recorded_as_such(lives: Lives) -> None:
    dead = {p[0]: p[8] for p in lives.persons if p[7] == "deceased"}
    assert dead and all(p[7] in ("alive", "deceased") for p in lives.persons)
    for number, _, _, _, _, end, status, reason, paid_through, *_ in lives.benefits:
        if number in dead:
            assert (status, end, paid_through) == ("ended", dead[number][:7], dead[number][:7])
            assert dead[number] in reason
    for card in lives.cards:
        if card[0] in dead:
            assert card[2] == "cancelled"
    for row in lives.enrolments:
        if row[0] in dead:
            assert (row[4], row[7], row[8]) == ("stopped", dead[row[0]], "deceased")


def test_cards_and_unemployment(lives: Lives) -> None:
    statuses = collections.Counter(c[2] for c in lives.cards)
    assert 0.9 < len(lives.cards) / len(lives.persons) < 1
    assert statuses["active"] > 0.85 * len(lives.cards)
    assert {"applied", "in_production", "temp_lost", "lost"} <= set(statuses)
    for _, card_number, status, _, history in lives.cards:
        events = json.loads(history)
        assert events[-1]["status"] == status and events[0]["status"] == "applied"
        assert (card_number is None) == (status == "applied")
    jobless = [b for b in lives.benefits if b[1] == "unemployment_benefit"]
    stopped = {e[0] for e in lives.enrolments if e[1] == "unemployment" and e[4] == "stopped"}
    assert jobless and all(b[0] in stopped for b in jobless)


def test_seed_demo_writes_the_histories(db: Database) -> None:
    report = seed_demo(db, persons_count=1200, seed=7, now=NOW, actor="cli:test", code_hours=24)
    expected = _lives(7, 1200)
    tables = {
        contribution_records: len(expected.contributions),
        contribution_year_summaries: len(expected.summaries),
        personal_accounts: len(expected.accounts),
        benefits: len(expected.benefits),
        cards: len(expected.cards),
    }
    with db.read() as conn:
        for table, count in tables.items():
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == count, (
                table.name
            )
        # the indexes dropped for the load are back
        names = {ix["name"] for t in tables for ix in sa.inspect(conn).get_indexes(t.name)}
        assert {ix.name for t in tables for ix in t.indexes} <= names
        sample = conn.execute(
            sa.select(contribution_year_summaries.c.id_number).distinct().where(
                contribution_year_summaries.c.insurance_type == PENSION.value
            ).order_by(contribution_year_summaries.c.id_number).limit(40)
        ).scalars().all()  # fmt: skip
        stored = {
            number: (
                [ContributionMonth(id_number=r.id_number, insurance=r.insurance_type, month=r.month, base=r.base,
                                   employer_part=r.employer_part, personal_part=r.personal_part,
                                   account_part=r.account_part, source=r.source, county=r.county_code,
                                   unit_uscc=r.unit_uscc)
                 for r in conn.execute(sa.select(contribution_records).where(
                     contribution_records.c.id_number == number))],
                [ContributionYearSummary(id_number=r.id_number, insurance=r.insurance_type, year=r.year,
                                         months=r.months, base_sum=r.base_sum, employer_sum=r.employer_sum,
                                         personal_sum=r.personal_sum, account_sum=r.account_sum,
                                         index_sum=r.index_sum, county=r.county_code)
                 for r in conn.execute(sa.select(contribution_year_summaries).where(
                     contribution_year_summaries.c.id_number == number))],
            )
            for number in set(sample)
        }  # fmt: skip
        dead = (
            conn.execute(sa.select(persons.c.id_number).where(persons.c.status == "deceased")).scalars().all()
        )
        city_level = conn.execute(
            sa.select(sa.func.count()).select_from(enrolments).where(enrolments.c.county_code == "511100")
        ).scalar_one()
        detail = conn.execute(
            sa.select(audit_log.c.detail).where(audit_log.c.action == "seed.demo")
        ).scalar_one()
    assert report.contributions == len(expected.contributions) and report.benefits == len(expected.benefits)
    assert detail["contribution_records"] == report.contributions
    months = _by_person(_lives(7, 1200, monthly_from=FIRST_YEAR).contributions)
    assert len(stored) > 10
    for number, (rows, lines) in stored.items():
        assert lines  # these persons have archived years
        assert contribution_totals(rows, lines, PENSION, wages=WAGES) == contribution_totals(
            months[number], [], PENSION, wages=WAGES
        )
    assert set(dead) == {p[0] for p in expected.persons if p[7] == "deceased"}
    assert city_level > 0


# ---- weeks of casework (seed-demo --weeks) ---------------------------------------------


def test_seed_history_runs_the_stations_and_the_back_office_through_the_services(
    db: Database, tmp_path: Path
) -> None:
    now = dt.datetime(2026, 4, 20, 1, 30, tzinfo=dt.UTC)  # a Monday: the two weeks before it
    report = seed_demo(db, persons_count=1500, seed=5, now=now - dt.timedelta(weeks=2, days=1),
                       actor="cli:test", code_hours=24)  # fmt: skip
    working = [s.station_id for s in report.stations if s.station_id != DESK_STATION][:4]
    url = db.engine.url.render_as_string(hide_password=False)
    history = seed_history(db, settings=make_settings(tmp_path, url), station_ids=working,
                           clerks={working[0]: ("clerk.jiazhou.1",)}, weeks=2, now=now, seed=5)  # fmt: skip
    assert history.days == 9 and history.start == dt.date(2026, 4, 7)  # 6 April: 清明节
    assert sum(history.cases.values()) > 100 and history.cases["G24"] == history.certified > 0
    assert not [status for status in history.pushes if status != "applied"]  # the server took every case
    assert history.decisions["approve"] > history.decisions["reject"] > 0
    assert history.decisions["return_for_supplement"] >= history.supplemented > 0
    with db.read() as conn:
        desks = dict(conn.execute(sa.select(stations.c.id, stations.c.status)).all())
        seqs = dict(conn.execute(sa.select(stations.c.id, stations.c.last_seq)).all())
        ops = dict(conn.execute(
            sa.select(operations.c.station_id, sa.func.count()).group_by(operations.c.station_id)
        ).all())  # fmt: skip
        by_status = dict(
            conn.execute(sa.select(cases.c.status, sa.func.count()).group_by(cases.c.status)).all()
        )
        first, last = conn.execute(
            sa.select(sa.func.min(cases.c.received_at), sa.func.max(cases.c.decided_at))
        ).one()
        clerks = set(conn.execute(sa.select(cases.c.clerk).where(cases.c.station_id == working[0])).scalars())
        approvals = conn.execute(
            sa.select(sa.func.count()).select_from(audit_log).where(audit_log.c.action == "case.approve")
        ).scalar_one()
        certified = conn.execute(
            sa.select(sa.func.count()).where(determinations.c.kind == "pension_certification")
        ).scalar_one()
        returns = conn.execute(
            sa.select(cases.c.item_code, case_events.c.detail)
            .join(cases, cases.c.case_id == case_events.c.case_id)
            .where(case_events.c.event == "return_for_supplement")
        ).all()
        assert audit.verify(conn).intact
    assert all(desks[s] == "active" for s in working) and desks[DESK_STATION] == "pending"
    assert all(seqs[s] == ops[s] > 0 for s in working)  # every case and 补正 went through a push
    assert by_status["approved"] == history.decisions["approve"] == approvals
    assert by_status["returned"] == history.decisions["return_for_supplement"] - history.supplemented
    assert by_status["completed"] > 0 and by_status.get("routed", 0) + by_status.get("claimed", 0) > 0
    assert certified == history.certified
    assert clerks == {"clerk.jiazhou.1"}
    # every return asks for one material, and its note (说明) is about that material
    materials = {
        (i, m.code): m.name for i in {r.item_code for r in returns} for m in load_catalog().item(i).materials
    }
    assert len(returns) == history.decisions["return_for_supplement"]
    for item, detail in returns:
        (missing,) = detail["missing"]
        note = detail["reason"].split("说明：", 1)[1]
        assert _names(note, materials[item, missing]), detail["reason"]
    # on the moved clock: the first push after the first day, the last decision before ``now``
    assert dt.date(2026, 4, 7) <= first.astimezone(dt.timezone(dt.timedelta(hours=8))).date() and last < now
