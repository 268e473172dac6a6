"""What the station says about a case the city sent to 综合业务科, and whether it prints a 办结单."""

from __future__ import annotations

from schema.records import ConflictNote
from station_client.core.conflict_words import conflict_view


def test_no_note_and_no_conflict_status_is_an_ordinary_case() -> None:
    assert conflict_view("completed", "general", None) is None


def test_an_open_conflict_tells_the_applicant_and_withholds_the_slip() -> None:
    view = conflict_view("conflict", "general", ConflictNote(reason="row_exists"))
    assert view is not None and view.open and not view.slip_allowed
    assert view.history == "数据与市局记录冲突，已转综合业务科处理（市局已有这条参保记录）"
    assert view.tell_applicant.startswith("告诉申请人：您办理的业务已受理，但市局已有这条参保记录")


def test_the_registry_version_kept_for_a_desk_item_means_no_slip_and_a_refund() -> None:
    note = {
        "reason": "stale_version",
        "resolution": "server",
        "resolved_at": "2026-12-01T02:00:00Z",
        "refund": True,
    }
    view = conflict_view("completed", "general", ConflictNote.model_validate(note))
    assert view is not None and not view.open and not view.slip_allowed
    assert (
        view.resolved_history
        == "综合业务科已处理数据冲突：保留市局现有信息，本次变更未生效；已缴费用应退还申请人"
    )
    assert "所缴费用将退还" in view.tell_applicant


def test_a_complex_case_goes_back_to_review_either_way() -> None:
    for choice in ("server", "station"):
        view = conflict_view("routed", "complex", ConflictNote(reason="stale_version", resolution=choice))
        assert view is not None and view.slip_allowed and "审核科室继续办理" in view.resolved_history
