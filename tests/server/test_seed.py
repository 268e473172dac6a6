"""The synthetic Leshan registry: deterministic, valid identifiers, every county, realistic enrolments."""

from __future__ import annotations

import collections
import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from schema.divisions import load_divisions
from schema.identifiers import Sex, parse_resident_id, parse_uscc
from schema.vocabulary import Role
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, enrolments, persons, staff, stations, units
from sync_server.demo.seed import SeedError, seed_demo
from sync_server.demo.seed_registry import COUNTY_WEIGHTS, REFERENCE_DATE, RegistryGenerator
from sync_server.services import audit

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
        assert D.county_of(township).code == county and name.endswith("有限公司")
        assert 1 <= risk <= 8
    assert len({u[4] for u in unit_rows}) >= 6


def test_enrolments_follow_the_kind_of_insured_person(registry: tuple[list, list, list]) -> None:
    unit_rows, people, enrolled = registry
    unit_county = {u[0]: u[2] for u in unit_rows}
    household = {p[0]: p[4][:6] for p in people}
    by_person: dict[str, dict[str, tuple]] = collections.defaultdict(dict)
    for row in enrolled:
        assert row[1] not in by_person[row[0]]  # one enrolment per insurance type
        by_person[row[0]][row[1]] = row
    kinds = collections.Counter()
    elsewhere = 0
    for number, types in by_person.items():
        kind = next(iter(types.values()))[3]
        kinds[kind] += 1
        if kind == "employee":
            assert set(types) == {"enterprise_pension", "employee_medical", "work_injury", "unemployment"}
            for row in types.values():
                assert row[5] is not None and unit_county[row[5]] == row[2]
        if kind == "retired":
            assert set(types) == {"enterprise_pension", "employee_medical"}
        elsewhere += any(row[2] != household[number] for row in types.values())
    assert set(kinds) == {"employee", "flexible", "resident", "retired"}
    assert 0.1 < kinds["employee"] / len(people) < 0.3
    assert 0.005 < elsewhere / len(people) < 0.1  # some work and pay in another county
    assert len(by_person) > 0.9 * len(people)  # nearly everyone is insured somewhere


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
