"""The receipt stock end to end: the city allocates ranges (one when it registers the station,
another later), the station's next sync brings them, payments take their numbers in order; a void with a second clerk and a new receipt goes up
to the city at the next sync and is recorded there once."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from station_client.core.intake_rules import ApplicantInput
from station_client.services import receipt_stock
from station_client.services.intake import IntakeRequest, intake
from station_client.store import receipts as store
from station_client.sync.agent import SyncAgent
from sync_server.db.tables import operations, receipt_voids
from sync_server.services.admin.staff import add_staff
from sync_server.services.finance.receipt_stock import allocate
from tests.support.dates import first_months_of_this_year
from tests.support.sync_world import World, in_process, now

WITNESS_PASSWORD = "Witness-Desk-2026"


def _sync(world: World, client) -> None:
    agent = SyncAgent(world.paths.home, world.dek, client=client)
    try:
        report = agent.run_once()
    finally:
        agent.close()
    assert report.ok, report


def test_the_stock_comes_down_and_a_void_goes_up_once(sqlite_template: Path, tmp_path: Path) -> None:
    with in_process(sqlite_template, tmp_path) as (world, client):
        with world.server_db.write() as conn:
            allocate(
                conn, world.station_id, series="51110027", first=1001, last=1100, now=now(), actor="admin"
            )
            add_staff(
                conn, username="witness01", role="clerk", station_id=world.station_id, display_name="李芳",
                now=now(), actor="test", password=WITNESS_PASSWORD, must_change_password=False,
            )  # fmt: skip
        _sync(world, client)
        session = world.session()
        assert receipt_stock.state(session.db).remaining == 500 + 100  # registered with 500, then 100 more
        start, end = first_months_of_this_year(2)
        form = {"base": "5000", "period_start": start, "period_end": end, "include_medical": False}
        paid = intake(
            session, IntakeRequest("G14", ApplicantInput("王小明", "511102198001011234"), form, ["id_card"])
        )
        assert paid.receipt_number is not None
        row = store.row(session.db, paid.receipt_number)
        assert row is not None and row.stock is not None and row.stock.text == "51110026-00000001"
        voided = receipt_stock.void_receipt(
            session, paid.receipt_number, reason="打印错位", witness="witness01", witness_password=WITNESS_PASSWORD,
            reissue=True,
        )  # fmt: skip
        assert voided.new_stock == "51110026-00000002"
        _sync(world, client)
        _sync(world, client)  # a second round sends nothing again
        with world.server_db.read() as conn:
            rows = conn.execute(sa.select(receipt_voids)).all()
            kinds = conn.execute(
                sa.select(operations.c.kind, operations.c.status).order_by(operations.c.seq)
            ).all()
        assert [(r.number, r.reissued_number, r.clerk, r.witness, r.reason) for r in rows] == [
            (1, 2, world.clerk, "witness01", "打印错位")
        ]
        assert [tuple(k) for k in kinds] == [("case_accept", "applied"), ("receipt_void", "applied")]
        session.db.close()
