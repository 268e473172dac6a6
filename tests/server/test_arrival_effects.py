"""General items take effect on the records when their case arrives (both backends).

G20 reports the card lost and releases it, G25 changes the account a pension is paid
into, G16 activates a card with its number: the same effect functions as approvals use
(``core.effects``), written in the push's transaction. A card step for a person the
registry does not know changes nothing and is audited.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, benefits, cards
from tests.support.factories import (
    COUNTY,
    accept_op,
    add_person,
    enrolled_station,
    make_client,
    person_id,
    push,
)

NOW = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)


def _card(db: Database, id_number: str, status: str) -> None:
    with db.write() as conn:
        conn.execute(sa.insert(cards).values(id_number=id_number, status=status, history=[], updated_at=NOW))


def _status(db: Database, id_number: str) -> list[tuple[str, str | None]]:
    query = sa.select(cards.c.status, cards.c.card_number).where(cards.c.id_number == id_number)
    with db.read() as conn:
        return [(r.status, r.card_number) for r in conn.execute(query.order_by(cards.c.id))]


def test_card_and_bank_account_items_change_the_records_on_arrival(db: Database, tmp_path: Path) -> None:
    client, station = make_client(db, tmp_path), enrolled_station(db)
    holder, pensioner, stranger = person_id(11), person_id(12), person_id(13)
    add_person(db, holder)
    add_person(db, pensioner, enrolled={"enterprise_pension": COUNTY})
    _card(db, holder, "in_production")
    _card(db, pensioner, "active")
    with db.write() as conn:
        conn.execute(
            sa.insert(benefits).values(
                id_number=pensioner, kind="employee_pension", monthly_amount="2800.00", calculation={},
                start_month="2020-01", status="in_payment", county_code=COUNTY,
            )
        )  # fmt: skip
    ops = [
        accept_op(station, "G16", id_number=holder, form={"card_number": "A1234567B", "pin_set": True},
                  materials=("id_card", "ss_card")),
        accept_op(station, "G20", id_number=pensioner, form={"report_kind": "temporary", "loss_reason": "lost", "contact_phone": "13912345678"},
                  materials=("id_card",)),
        accept_op(station, "G25", id_number=pensioner, materials=("id_card", "bank_card"),
                  form={"benefit_types": ["enterprise_pension"], "account_kind": "bank", "bank_name": "乐山市商业银行",
                        "bank_account": "6230580000001234567"}),
        accept_op(station, "G20", id_number=stranger, form={"report_kind": "formal", "loss_reason": "lost", "contact_phone": "13912345678"},
                  materials=("id_card",)),
    ]  # fmt: skip
    answer = push(client, station, ops)
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 4, answer.json()["results"]

    assert _status(db, holder) == [("active", "A1234567B")]
    assert _status(db, pensioner) == [("temp_lost", None)]
    assert _status(db, stranger) == []  # unknown to the registry: nothing invented
    with db.read() as conn:
        paid_into = conn.execute(sa.select(benefits.c.bank_name, benefits.c.bank_account)).one()
        audited = conn.execute(sa.select(audit_log.c.action, audit_log.c.entity_id)).all()
    assert tuple(paid_into) == ("乐山市商业银行", "6230580000001234567")
    assert ("records_not_changed", str(ops[3].case_id)) in [tuple(a) for a in audited]

    release = accept_op(station, "G20", id_number=pensioner, form={"report_kind": "release",
                                                                   "contact_phone": "13912345678"},
                        materials=("id_card",))  # fmt: skip
    assert push(client, station, [release]).status_code == 200
    assert _status(db, pensioner) == [("active", None)]
