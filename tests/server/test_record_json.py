"""``core.person_slice.record_json`` writes the very dict the validated record dumps to."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from schema.records import LastContribution, PersonRecord
from schema.vocabulary import InsuranceType
from sync_server.core.ingest.registry_slice import person_record
from sync_server.core.person_slice import BenefitRow, SliceRecords, record_json, with_records
from sync_server.core.registry_effects import Enrolment, Person

_NAMES = ["张三", "李  四", "王\u3000五", " 欧阳娜娜 ", "Ａｌｉ", "阿卜杜·热合曼"]
_AMOUNTS = [Decimal("2345.60"), Decimal("100"), Decimal("0.50"), Decimal("0"), Decimal("123456789012.34")]
_DAY = dt.date(2024, 6, 30)


def _number(i: int) -> str:
    return f"{511102197001010000 + i:018d}"[:17] + random.Random(i).choice("0123456789X")


def _person(rnd: random.Random, i: int) -> tuple[Person, list[Enrolment], SliceRecords]:
    number = _number(i)
    person = Person(
        number, rnd.choice(_NAMES), rnd.choice(["male", "female", "M", "F"]),
        dt.date(1940, 1, 1) + dt.timedelta(days=rnd.randrange(25_000)),
        rnd.choice(["511102004", "511112001"]), rnd.choice([None, "13800001234"]),
        rnd.choice([None, "乐山市市中区某街1号", ""]), rnd.randrange(1, 9),
    )  # fmt: skip
    kinds = rnd.sample([i.value for i in InsuranceType], rnd.randrange(0, 4))
    held = [
        Enrolment(number, k, "511102", "employee", rnd.choice(["active", "suspended", "stopped"]),
                  dt.date(2000, 1, 1) + dt.timedelta(days=rnd.randrange(9000)),
                  rnd.choice([None, "91511100MA62A1B2C3"]), rnd.randrange(1, 5))
        for k in kinds
    ]  # fmt: skip
    benefits = tuple(
        BenefitRow(rnd.choice(["employee_pension", "resident_pension"]), rnd.choice(_AMOUNTS),
                   rnd.choice(["in_payment", "suspended", "ended"]), f"20{rnd.randrange(10, 25)}-0{rnd.randrange(1, 10)}",
                   rnd.choice([None, "2024-05"]))
        for _ in range(rnd.choice([0, 0, 1, 3]))
    )  # fmt: skip
    status = rnd.choice(["alive", "alive", "deceased"])
    records = SliceRecords(
        status=status,
        death_date=_DAY if status == "deceased" else None,
        residence=rnd.choice([None, "511112001"]),
        records_version=rnd.randrange(0, 5),
        benefits=benefits,
        card_status=rnd.choice([None, "active", "temp_lost"]),
        last_paid=tuple(
            LastContribution(insurance=InsuranceType(k), month=rnd.choice(["2024-05", "2019"]))
            for k in sorted(kinds)
        ),
        audit_case_open=rnd.random() < 0.2,
        death_reported=rnd.choice([None, _DAY]),
    )
    return person, held, records


def test_record_json_is_the_validated_records_dump_for_many_persons() -> None:
    rnd = random.Random(17)
    for i in range(3000):
        person, held, records = _person(rnd, i)
        validated = with_records(person_record(person, held), records)
        made = record_json(person, held, records)
        assert made == validated.model_dump(mode="json")
        assert list(made) == list(validated.model_dump(mode="json"))  # same key order, same bytes
        assert json.dumps(made) == json.dumps(validated.model_dump(mode="json"))
        assert person.version + records.records_version == validated.slice_version
        assert PersonRecord.model_validate(made) == validated


def test_a_person_without_carried_records() -> None:
    person = Person(_number(1), "张三", "male", dt.date(1980, 2, 29), "511102004")
    made = record_json(person, [], SliceRecords())
    assert made == with_records(person_record(person, []), SliceRecords()).model_dump(mode="json")
