"""The station counts on the schedules the server loaded, and takes recounted due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from schema.holiday_schedule import parse_schedule
from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.protocol import Change, ChangeKind
from schema.records import CaseStatusRecord
from station_client.core.intake_rules import ApplicantInput
from station_client.services import caselist, decisions, reference
from station_client.services.intake import IntakeRequest, intake
from station_client.store import cases
from station_client.ui.viewmodels.cases import row_values
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, StationHome

# A test fixture, not the State Council's notice.
FIXTURE_2027 = (
    'year = 2027\nsource = "测试用安排"\nholidays = ["2027-01-01..2027-01-08"]\nworkdays = ["2027-01-09"]\n'
)
TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-12",
}


def _workdays_change() -> Change:
    schedule = parse_schedule(FIXTURE_2027)
    data = {
        "note": "test",
        "years": {
            "2027": {
                "holidays": sorted(d.isoformat() for d in schedule.holidays),
                "workdays": sorted(d.isoformat() for d in schedule.workdays),
                "source": schedule.source,
            }
        },
    }
    return Change(kind=ChangeKind.WORKDAYS, key="workdays", version=1, data=data)


def test_a_pulled_schedule_and_a_recounted_due_date_reach_the_desk(station_home: StationHome):
    on = datetime(2026, 12, 29, 2, 0, tzinfo=UTC)
    session = station_home.login("clerk1", now=on)
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    result = intake(session, request, now=on)
    assert (result.promised_date, result.promised_provisional) == (date(2027, 1, 6), True)
    listed = caselist.list_cases(session.db, session.dek, reference.catalog(session.db), now=on)
    assert "1月6日（暂定）" in row_values(listed[0])

    # The server loaded 2027: the desk now counts on it, offline, as the server does.
    assert not reference.calendar(session.db).is_official(2027)
    assert reference.apply_change(session.db, _workdays_change())
    calendar = reference.calendar(session.db)
    assert calendar.is_official(2027) and calendar.is_official(2026)
    assert calendar.due(date(2026, 12, 29), "working_days", 5).day == date(2027, 1, 12)

    # The server recounted the case's due date: a record of the same version carries it.
    row = cases.get_row(session.db, str(result.case_id))
    assert row is not None
    record = CaseStatusRecord(
        case_id=result.case_id, case_number=result.case_number, status=CaseStatus.ROUTED,
        due_date=date(2027, 1, 12), due_provisional=False, version=max(row.version, 1),
    )  # fmt: skip
    decisions.apply_case_status(session.db, session.dek, record)
    record = record.model_copy(update={"due_date": date(2027, 1, 12)})
    assert decisions.apply_case_status(session.db, session.dek, record) is False  # nothing new: unchanged
    row = cases.get_row(session.db, str(result.case_id))
    assert row is not None and (row.due_date, row.due_provisional) == (date(2027, 1, 12), False)
    listed = caselist.list_cases(session.db, session.dek, reference.catalog(session.db), now=on)
    assert "1月12日" in row_values(listed[0]) and "暂定" not in row_values(listed[0])[5]
