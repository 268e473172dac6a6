"""The carried records of a township's persons read the two ways the server reads them, on
SQLite and PostgreSQL: by a list of ID numbers (a push's payers) and by a snapshot page's
range (``services.feed.members``: person by person on PostgreSQL). Both give what the rows
say, worked out here directly from random rows: the latest card, benefits in id order, the
last month paid net of refunds, the last archived year, the open 稽核 cases."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa

from sync_server.core.person_slice import last_paid
from sync_server.db.engine import Database
from sync_server.db.tables import (
    benefits,
    cards,
    contribution_records,
    contribution_year_summaries,
    fraud_cases,
)
from sync_server.services.feed import person_slice
from sync_server.services.feed.members import Members
from tests.support.factories import TOWNSHIP, add_person, person_id

OTHER_TOWNSHIP = "511111002"
NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
INSURANCES = ("enterprise_pension", "employee_medical", "unemployment")


def _money(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(1, 90000)) / 100


def _seed(db: Database, rng: random.Random) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Persons of the township interleaved with another township's; their random rows.
    Returns the township's ID numbers and, per person, the month each insurance was last paid."""
    ours: list[str] = []
    for n in range(40):
        township = TOWNSHIP if n % 3 else OTHER_TOWNSHIP  # ID-number ranges mix the townships
        id_number = person_id(n)
        add_person(db, id_number, township=township)
        if township == TOWNSHIP:
            ours.append(id_number)
    expected: dict[str, dict[str, str]] = defaultdict(dict)
    with db.write() as conn:
        for n in range(40):
            id_number = person_id(n)
            for status in rng.sample(["cancelled", "active", "temp_lost"], rng.randint(0, 3)):
                conn.execute(sa.insert(cards).values(id_number=id_number, status=status, history=[]))
            for k in range(rng.randint(0, 3)):
                conn.execute(
                    sa.insert(benefits).values(
                        id_number=id_number, kind=f"kind_{k}", monthly_amount=_money(rng), calculation={},
                        start_month=f"20{10 + k}-0{rng.randint(1, 9)}", status=rng.choice(["in_payment", "ended"]),
                        county_code="511102",
                    )
                )  # fmt: skip
            net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
            for _ in range(rng.randint(0, 12)):
                insurance, month = rng.choice(INSURANCES), f"2025-{rng.randint(1, 12):02d}"
                employer, personal = _money(rng), _money(rng)
                sign = -1 if rng.random() < 0.25 and net[insurance, month] else 1  # now and then a refund
                if sign < 0:
                    employer, personal = employer.copy_negate(), personal.copy_negate()
                    if net[insurance, month] + employer + personal < 0:  # a refund never takes more than paid
                        employer, personal = -net[insurance, month], Decimal(0)
                net[insurance, month] += employer + personal
                conn.execute(
                    sa.insert(contribution_records).values(
                        id_number=id_number, insurance_type=insurance, month=month, base=Decimal(4000),
                        employer_part=employer, personal_part=personal, account_part=Decimal(0),
                        source="refund" if sign < 0 else "desk", county_code="511102",
                    )
                )  # fmt: skip
            for (insurance, month), total in net.items():
                if total > 0 and month > expected[id_number].get(insurance, ""):
                    expected[id_number][insurance] = month
            for year in rng.sample(range(2005, 2020), rng.randint(0, 2)):
                conn.execute(
                    sa.insert(contribution_year_summaries).values(
                        id_number=id_number, insurance_type="resident_pension", year=year,
                        months=rng.choice([0, 12]), base_sum=0, employer_sum=0, personal_sum=0,
                        account_sum=0, index_sum=0, county_code="511102",
                    )
                )  # fmt: skip
            if rng.random() < 0.3:
                conn.execute(
                    sa.insert(fraud_cases).values(
                        kind="reported_dead", id_number=id_number, subject=id_number, basis=f"b{n}",
                        county_code="511102", evidence={"event": {"event_date": "2026-01-05"}},
                        status=rng.choice(["open", "dismissed"]), opened_at=NOW, opened_by="t",
                    )
                )  # fmt: skip
    return ours, expected


def test_a_list_and_a_page_read_the_same_records(db: Database) -> None:
    rng = random.Random(20261207)
    ours, expected = _seed(db, rng)
    first, last = min(ours), max(ours)
    with db.read() as conn:
        listed = person_slice.read_records(conn, ours)
        paged = person_slice.read_range_records(conn, TOWNSHIP, first, last)
        held = person_slice.enrolment_rows(conn, Members.page(conn, TOWNSHIP, first, last))
        card_rows = conn.execute(sa.select(cards.c.id_number, cards.c.status).order_by(cards.c.id)).all()
        year_rows = conn.execute(
            sa.select(contribution_year_summaries).where(contribution_year_summaries.c.months > 0)
        ).all()
        open_rows = conn.execute(
            sa.select(fraud_cases.c.id_number).where(fraud_cases.c.status == "open")
        ).all()
    assert sorted(paged) == sorted(ours) == sorted(listed)  # the page is the township's persons only
    assert paged == listed
    assert set(held) <= set(ours)
    latest_card = {number: status for number, status in card_rows}
    years: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in year_rows:
        years[row.id_number].append((row.insurance_type, row.year))
    with_case = {row.id_number for row in open_rows}
    for id_number in ours:
        carried = paged[id_number]
        assert carried.card_status == latest_card.get(id_number)
        months = sorted(expected[id_number].items())
        archived = [max((p for p in years[id_number]), key=lambda p: p[1])] if years[id_number] else []
        assert carried.last_paid == (last_paid(months, archived) if months or archived else ())
        assert carried.audit_case_open == (id_number in with_case)
