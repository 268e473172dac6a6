"""Scans travel on their own resumable path and never hold up the other cases."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from schema.identifiers import make_resident_id
from schema.protocol import CHUNK_SIZE
from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, Scan, intake
from station_client.sync.agent import SyncAgent
from station_client.sync.status import read_status
from sync_server.db.tables import attachments
from tests.support.sync_world import FORM, ITEM, MATERIALS, World, in_process

SCAN = b"%PDF-1.4\n" + os.urandom(CHUNK_SIZE * 2 + 1000)  # three chunks


@pytest.fixture
def world(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, httpx.Client]]:
    with in_process(sqlite_template, tmp_path) as made:
        yield made


def take_in_with_scan(w: World, data: bytes = SCAN) -> str:
    session = w.session()
    request = IntakeRequest(
        item_code=ITEM,
        applicant=ApplicantInput(name="王小明", id_number=make_resident_id("511102", dt.date(1980, 1, 1), 5)),
        form=FORM,
        materials_provided=MATERIALS,
        scans=[Scan("id_or_ss_card", "application/pdf", data)],
    )
    return str(intake(session, request).case_id)


class CutAfter(httpx.BaseTransport):
    """Counts chunk uploads; the link drops after ``chunks`` of them while ``cut`` is set."""

    def __init__(self, inner: httpx.BaseTransport, chunks: int) -> None:
        self.inner, self.chunks, self.cut = inner, chunks, True
        self.offsets: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            if self.cut and len(self.offsets) >= self.chunks:
                raise httpx.WriteError("Broken pipe", request=request)
            self.offsets.append(int(request.url.params["offset"]))
        return self.inner.handle_request(request)


def test_a_scan_resumes_where_the_server_stopped_and_its_case_waits_for_it(world):
    w, client = world
    scanned = take_in_with_scan(w)
    plain = {str(r.case_id) for r in w.take_in(w.session(), 3)}
    wire = CutAfter(client._transport, chunks=1)
    agent = SyncAgent(w.paths.home, w.dek, client=httpx.Client(transport=wire, base_url=client.base_url))

    first = agent.run_once()
    assert not first.ok and first.transient  # the link dropped during the scan
    assert set(w.server_case_ids()) == plain  # … which held up none of the other cases
    status = read_status(agent._db())
    assert status.pending == 1 and status.pending_attachments == 1
    assert status.pending_attachment_bytes == len(SCAN) - CHUNK_SIZE

    wire.cut = False
    second = agent.run_once()
    assert second.ok, second.problem
    assert wire.offsets == [0, CHUNK_SIZE, 2 * CHUNK_SIZE]  # nothing sent twice
    assert set(w.server_case_ids()) == plain | {scanned}
    with w.server_db.read() as conn:
        row = conn.execute(sa.select(attachments)).one()
    assert row.complete and row.size == len(SCAN)
    assert read_status(agent._db()).in_step
    agent.close()


def test_a_slow_scan_does_not_keep_the_round_from_pulling(world):
    w, client = world
    take_in_with_scan(w)
    agent = SyncAgent(w.paths.home, w.dek, client=client, attachment_budget_seconds=0)
    report = agent.run_once()
    assert report.ok and report.attachments_uploaded == 0  # out of time, carried on next round
    status = read_status(agent._db())
    assert status.pending_attachments == 1 and status.pending == 1 and not status.in_step
    assert status.last_success_at is not None
    agent.close()


def test_a_scan_the_server_refuses_for_good_is_marked_and_its_case_waits(world):
    w, client = world
    take_in_with_scan(w, b"this is not a pdf at all" * 10)
    w.take_in(w.session(), 1)
    agent = SyncAgent(w.paths.home, w.dek, client=client)
    report = agent.run_once()
    assert report.ok and report.pushed == 1
    status = read_status(agent._db())
    assert status.failed_attachments == 1 and status.pending == 1 and not status.in_step
    assert any("重新扫描" in line for line in status.lines())
    agent.close()


def test_a_scan_shared_by_two_cases_holds_both_until_it_is_uploaded(world):
    w, client = world
    first = take_in_with_scan(w)
    second = take_in_with_scan(w)  # the same scan again: stored once, under the first case
    plain = {str(r.case_id) for r in w.take_in(w.session(), 2)}
    wire = CutAfter(client._transport, chunks=1)
    agent = SyncAgent(w.paths.home, w.dek, client=httpx.Client(transport=wire, base_url=client.base_url))
    assert not agent.run_once().ok
    assert set(w.server_case_ids()) == plain  # neither scanned case went up without its scan
    wire.cut = False
    assert agent.run_once().ok
    assert set(w.server_case_ids()) == plain | {first, second}
    assert w.server_operations() and set(w.server_operations().values()) == {"applied"}
    agent.close()
