"""End to end: the station's own starting values reach the console's conflict page.

The station took the person at version 1 from its first download (the snapshot is read from
the tables, so the city's feed never carried version 1); the city then changed the phone
(version 2); the desk, still on version 1, changes the address. The case says what the desk
held, so 综合业务科 sees all three versions."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, intake
from station_client.store import registry
from station_client.sync.agent import SyncAgent
from sync_server.db.tables import conflicts, persons
from sync_server.services.review import conflicts as review
from tests.support.factories import add_person, person_id
from tests.support.sync_world import World, in_process

INSURED = person_id(31)
NEW_ADDRESS = "乐山市市中区白塔街8号"


def _sync(world: World, client) -> None:
    agent = SyncAgent(world.paths.home, world.dek, client=client)
    try:
        assert agent.run_once().ok
    finally:
        agent.close()


def test_the_conflict_page_shows_the_version_the_station_took_from_its_first_download(
    sqlite_template: Path, tmp_path: Path
) -> None:
    with in_process(sqlite_template, tmp_path, prepare=lambda db: add_person(db, INSURED, version=1)) as (
        world,
        client,
    ):
        session = world.session()
        assert registry.person_version(session.db, session.dek, INSURED) == 1  # from the snapshot
        with world.server_db.write() as conn:  # the city changes the phone meanwhile
            conn.execute(
                sa.update(persons)
                .where(persons.c.id_number == INSURED)
                .values(phone="13700000000", version=2)
            )
        form = {"change_items": ["address"], "new_address": NEW_ADDRESS}
        intake(session, IntakeRequest("G08", ApplicantInput("王小明", INSURED), form, ["id_card"]))
        session.db.close()
        _sync(world, client)
        with world.server_db.read() as conn:
            conflict_id = conn.execute(sa.select(conflicts.c.id)).scalar_one()
            view = review.conflict_view(conn, conflict_id)
    lines = {line.label: line for line in view.lines}
    assert view.original_known
    assert (lines["联系电话"].original, lines["联系电话"].server, lines["联系电话"].moved) == (
        "13800000000",
        "13700000000",
        True,
    )
    assert (lines["联系地址"].original, lines["联系地址"].station) == ("—", NEW_ADDRESS)
    assert (lines["版本"].original, lines["版本"].server) == ("1", "2")
