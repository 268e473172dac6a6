"""A case the city sent to conflict handling, end to end in a real window: the station's
G08 phone change was based on a registry row someone else changed since, so the server
parks it (数据冲突待处理). After the real sync (server app in process), the home page
and 同步问题 say what to tell the applicant, the case offers no 办结单 and its history says
what happened; once 综合业务科 resolves it, the next pull brings the outcome."""

from __future__ import annotations

import contextlib
import datetime as dt
import tkinter as tk
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from schema.lifecycle import Actor
from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, IntakeResult, intake
from station_client.store import cases as case_store
from station_client.store import open_store
from station_client.sync.agent import SyncAgent
from station_client.ui.cases import CaseDetailScreen, CasesScreen
from station_client.ui.finish import FinishScreen
from station_client.ui.problems import CONFLICT_ROW, ProblemsScreen
from station_client.ui.workbench import WorkbenchScreen
from sync_server.db.tables import conflicts, persons
from sync_server.services.review import conflicts as conflict_service
from tests.support.factories import add_person, person_id
from tests.support.sync_world import CLERK_PASSWORD, World, in_process
from tests.support.uidriver import Driver

INSURED = person_id(77)
SENT = "数据与市局记录冲突，已转综合业务科处理"


@pytest.fixture
def conflicted(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, Any, IntakeResult]]:
    """A station whose G08 case became a conflict case on the server, synced both ways."""
    with in_process(sqlite_template, tmp_path, prepare=lambda db: add_person(db, INSURED)) as (w, client):
        with w.server_db.write() as conn:  # another writer changes the person after the station pulled it
            conn.execute(
                sa.update(persons)
                .where(persons.c.id_number == INSURED)
                .values(phone="13611112222", version=2)
            )
        request = IntakeRequest(
            item_code="G08",
            applicant=ApplicantInput(name="王小明", id_number=INSURED),
            form={"change_items": ["phone"], "new_phone": "13912345678"},
            materials_provided=("id_card",),
        )
        result = intake(w.session(), request)
        assert result.base_version == 1  # the version the station held
        agent = SyncAgent(w.paths.home, w.dek, client=client)
        try:
            report = agent.run_once()
            assert report.ok, report.problem
            yield w, agent, result
        finally:
            agent.close()


def _texts(widget: Any) -> list[str]:
    out = []
    for child in widget.winfo_children():
        with contextlib.suppress(tk.TclError, ValueError):  # frames have no text
            out.append(str(child.cget("text")))
        out += _texts(child)
    return out


def _open_detail(ui: Driver) -> CaseDetailScreen:
    detail = ui.wait_screen(CaseDetailScreen)
    ui.pump(lambda: detail.detail is not None, what="the case detail")
    ui.settle()
    return detail


def test_a_conflict_case_is_shown_without_a_slip_and_its_outcome_comes_down(
    conflicted: tuple[World, Any, IntakeResult],
) -> None:
    w, agent, result = conflicted
    case_id = str(result.case_id)
    db = open_store(w.paths.home)
    row = case_store.get_row(db, case_id)
    assert row is not None and (row.status, row.server_status) == ("conflict", "conflict")
    doc = case_store.get_doc(db, w.dek, case_id)
    assert doc is not None and doc.conflict is not None and doc.conflict.reason == "stale_version"

    ui = Driver.start(w.paths.home, start_sync=False)
    try:
        ui.login(w.clerk, CLERK_PASSWORD)
        bench = ui.screen
        assert isinstance(bench, WorkbenchScreen)
        ui.pump(bench.conflict_panel.winfo_ismapped, what="the conflict panel")
        home = bench.conflict_text.cget("text")
        assert "数据冲突待处理 1 件" in home and result.case_number in home
        assert "告诉申请人：您办理的业务已受理，但市局的参保记录已被他人更新" in home

        ui.key(bench.query, "F4")  # 同步问题
        problems = ui.wait_screen(ProblemsScreen)
        assert problems.table.rows() == [CONFLICT_ROW + case_id]
        assert problems.table.values(CONFLICT_ROW + case_id)[4] == "数据冲突待处理"
        assert "已转综合业务科" in problems.summary.cget("text")
        assert problems.advice.cget("text").startswith("告诉申请人：")
        assert "核对完成前不能出具办结单" in problems.advice.cget("text")
        ui.enter(problems.table.view)  # Enter opens the case

        detail = _open_detail(ui)
        assert "【数据冲突待处理】" in detail.head.cget("text")
        assert detail.conflict_line.cget("text").startswith("告诉申请人：")
        actions = _texts(detail.actions)
        assert not any("办结单" in t for t in actions), actions
        history = _texts(detail.right.inner)
        assert any(f"受理（办结）信息上报：{SENT}" in t for t in history), history
        assert not any("服务器已接收" in t for t in history), history

        # A finish screen still open for this case stops offering the slip once the sync says so.
        ui.app.nav.show(FinishScreen(ui.app, result, auto_print=False))
        finish = ui.wait_screen(FinishScreen)
        assert finish.print_buttons[0].winfo_ismapped()
        ui.app.cases_changed()
        ui.pump(lambda: finish.slip_withdrawn, what="the slip withdrawn")
        ui.settle()
        assert not finish.print_buttons[0].winfo_ismapped() and "不能出具办结单" in ui.banner
        ui.escape()  # back to the home page
        ui.wait_screen(WorkbenchScreen)

        # 综合业务科 applies the station's version; the next pull brings the outcome down.
        with w.server_db.write() as conn:
            conflict_id = int(conn.execute(sa.select(conflicts.c.id)).scalar_one())
            conflict_service.resolve(
                conn, conflict_id, "station", actor=Actor.admin("demo.admin"), now=dt.datetime.now(dt.UTC)
            )
        assert agent.run_once().ok
        ui.app.cases_changed()
        bench = ui.wait_screen(WorkbenchScreen)
        ui.pump(lambda: not bench.conflict_panel.winfo_ismapped(), what="the conflict panel to go")

        ui.key(bench.query, "F3")  # 本站业务
        listing = ui.wait_screen(CasesScreen)
        ui.type_into(listing.query, result.case_number)
        ui.enter(listing.query)
        ui.settle()
        assert listing.table.rows() == [case_id]
        ui.key(listing.query, "Down")
        ui.enter(listing.table.view)
        detail = _open_detail(ui)
        assert "【前台办结】" in detail.head.cget("text")
        assert (
            detail.conflict_line.cget("text")
            == "告诉申请人：核对已完成，您的变更已生效，业务已办结，可以领取办结单。"
        )
        history = _texts(detail.right.inner)
        assert any("综合业务科已处理数据冲突：采用本站提交的变更，业务已办结" in t for t in history), history
        assert any("重印办结单" in t for t in _texts(detail.actions))
        row = case_store.get_row(db, case_id)
        assert row is not None and (row.status, row.version) == ("completed", 2)
        doc = case_store.get_doc(db, w.dek, case_id)
        note = None if doc is None else doc.conflict
        assert note is not None and (note.resolution, note.refund) == ("station", False)
    finally:
        ui.close()
        db.close()
    ui.assert_no_errors()
