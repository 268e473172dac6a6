"""The outbox rules with no database, network or clock: feed rows in, read decisions out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.protocol import OpResult, OpStatus, PushResponse
from station_client.core.outbox_rules import (
    BACKOFF_CAP_SECONDS,
    Entry,
    OpState,
    ResultMismatch,
    apply_response,
    backoff_delay,
    blocked_ids,
    reconcile_blocked,
    resend_from,
    select_batch,
    shrink_limit,
)

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def row(local_id: int, case: str = "", state: str = "pending", seq: int | None = None) -> Entry:
    return Entry(
        local_id=local_id,
        op_id=f"op-{local_id}",
        case_id=case or f"case-{local_id}",
        state=OpState(state),
        seq=seq,
    )


def result(entry: Entry, seq: int, status: OpStatus = OpStatus.APPLIED, **kw) -> OpResult:
    if status is OpStatus.DUPLICATE:
        kw.setdefault("original_status", OpStatus.APPLIED)
    refused = (
        status in (OpStatus.REJECTED, OpStatus.CONFLICT) or kw.get("original_status") is OpStatus.REJECTED
    )
    return OpResult(
        op_id=uuid.UUID(int=entry.local_id),
        seq=seq,
        status=status,
        code=kw.pop("code", "op_validation_failed" if refused else None),
        message=kw.pop("message", "身份证号码校验位错误" if refused else None),
        server_received_at=AT,
        **kw,
    )


def uentry(local_id: int, case: str = "", state: str = "pending", seq: int | None = None) -> Entry:
    return Entry(local_id, str(uuid.UUID(int=local_id)), case or f"case-{local_id}", OpState(state), seq)


# ── selection and numbering ─────────────────────────────────────────────────────────


def test_the_oldest_rows_are_numbered_in_creation_order_from_next_seq():
    rows = [row(3), row(1), row(2)]
    batch = select_batch(rows, next_seq=41)
    assert [(e.local_id, s) for e, s in batch.assign] == [(1, 41), (2, 42), (3, 43)]
    assert batch.resend == ()


def test_a_batch_holds_at_most_500_and_the_limit_shrinks_it():
    rows = [row(i) for i in range(1, 1202)]
    assert len(select_batch(rows, next_seq=1)) == 500
    assert len(select_batch(rows, next_seq=1, limit=10_000)) == 500
    assert len(select_batch(rows, next_seq=1, limit=shrink_limit(500))) == 250
    assert shrink_limit(1) == 1


def test_rows_numbered_before_a_crash_go_first_in_seq_order_with_their_numbers():
    rows = [row(1, seq=8), row(2, seq=7), row(3), row(4, state="done", seq=6)]
    batch = select_batch(rows, next_seq=9)
    assert [e.local_id for e in batch.resend] == [2, 1]
    assert [(e.local_id, s) for e, s in batch.assign] == [(3, 9)]


def test_numbered_rows_fill_the_batch_before_anything_new_is_numbered():
    rows = [row(i, seq=i) for i in range(1, 6)] + [row(6)]
    batch = select_batch(rows, next_seq=6, limit=5)
    assert len(batch.resend) == 5 and batch.assign == ()


def test_a_set_aside_row_holds_back_only_the_later_rows_of_its_case():
    rows = [
        row(1, "A", state="set_aside", seq=1),
        row(2, "A"),  # behind the rejected one
        row(3, "B"),
        row(4, "A"),
        row(5, "C"),
        row(6, "D", state="failed", seq=2),
        row(7, "D"),
    ]
    batch = select_batch(rows, next_seq=3)
    assert [e.local_id for e in batch.entries] == [3, 5]
    assert blocked_ids(rows) == {2, 4, 7}
    assert reconcile_blocked(rows) == {2: OpState.BLOCKED, 4: OpState.BLOCKED, 7: OpState.BLOCKED}


def test_a_case_sends_one_operation_at_a_time_so_none_goes_up_behind_a_rejected_one():
    rows = [row(1, "A"), row(2, "A"), row(3, "B")]
    first = select_batch(rows, next_seq=1)
    assert [(e.local_id, s) for e, s in first.assign] == [(1, 1), (3, 2)]
    # op 1 numbered but unacknowledged (response lost): op 2 still waits
    rows = [row(1, "A", seq=1), row(2, "A"), row(3, "B", state="done", seq=2)]
    again = select_batch(rows, next_seq=3)
    assert [e.local_id for e in again.entries] == [1]
    # op 1 done: op 2 goes
    rows = [row(1, "A", state="done", seq=1), row(2, "A"), row(3, "B", state="done", seq=2)]
    assert [(e.local_id, s) for e, s in select_batch(rows, next_seq=3).assign] == [(2, 3)]


def test_a_blocked_row_is_released_once_the_set_aside_row_is_resolved():
    # Resolved: the set-aside row was corrected, sent again and applied.
    rows = [row(1, "A", state="done", seq=1), row(2, "A", state="blocked"), row(3, "A")]
    assert reconcile_blocked(rows) == {2: OpState.PENDING}
    assert blocked_ids(rows) == set()


def test_the_next_batch_is_chosen_while_one_is_on_the_wire_without_resending_it():
    rows = [row(1, "A", seq=1), row(2, "B", seq=2), row(3, "A"), row(4, "C"), row(5, "D", seq=3)]
    batch = select_batch(rows, next_seq=4, limit=3, in_flight={1, 2})
    assert [e.local_id for e in batch.resend] == [5]  # numbered before a crash, not on the wire
    assert [(e.local_id, s) for e, s in batch.assign] == [(4, 4)]  # case A waits for its row 1


def test_a_case_whose_scans_are_not_uploaded_waits_and_the_rest_go_on():
    rows = [row(1, "A"), row(2, "B"), row(3, "A"), row(4, "C", seq=1)]
    batch = select_batch(rows, next_seq=2, hold={"A", "C"})
    assert [e.local_id for e in batch.resend] == [4]  # already numbered: it must go
    assert [(e.local_id, s) for e, s in batch.assign] == [(2, 2)]


def test_nothing_to_send_gives_an_empty_batch():
    assert len(select_batch([row(1, state="done", seq=1), row(2, state="set_aside", seq=2)], next_seq=3)) == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABCDE"), st.sampled_from(["pending", "pending", "done", "set_aside"])),
        max_size=40,
    ),
    st.integers(min_value=1, max_value=30),
)
def test_selection_never_numbers_a_row_behind_an_unfinished_one_of_its_case(spec, limit):
    seq = 0
    rows = []
    for i, (case, state) in enumerate(spec, start=1):
        if state != "pending":
            seq += 1
        rows.append(row(i, case, state=state, seq=seq if state != "pending" else None))
    batch = select_batch(rows, next_seq=seq + 1, limit=limit)
    numbers = [s for _, s in batch.assign]
    assert numbers == list(range(seq + 1, seq + 1 + len(numbers)))  # no gaps
    assert len(batch) <= limit
    chosen = {e.local_id for e, _ in batch.assign}
    for entry, _ in batch.assign:
        earlier = [r for r in rows if r.case_id == entry.case_id and r.local_id < entry.local_id]
        assert all(r.state == "done" for r in earlier)
        assert not any(r.local_id in chosen for r in earlier)


# ── results ─────────────────────────────────────────────────────────────────────────


def test_applied_and_duplicate_are_done_rejected_is_set_aside_conflict_failed_with_the_reason():
    sent = [uentry(1), uentry(2), uentry(3), uentry(4), uentry(5)]
    seqs = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    response = PushResponse(
        results=(
            result(sent[0], 1),
            result(sent[1], 2, OpStatus.DUPLICATE),
            result(sent[2], 3, OpStatus.REJECTED, message="身份证号码校验位错误，请核对"),
            result(sent[3], 4, OpStatus.CONFLICT, code="op_conflict"),
            result(sent[4], 5, OpStatus.DUPLICATE, original_status=OpStatus.REJECTED),
        ),
        station_last_seq=5,
    )
    outcomes = apply_response(sent, seqs, response)
    assert [(o.local_id, o.state) for o in outcomes] == [
        (1, OpState.DONE),
        (2, OpState.DONE),
        (3, OpState.SET_ASIDE),
        (4, OpState.FAILED),
        (5, OpState.SET_ASIDE),  # a retried rejection: the lost first answer said "rejected"
    ]
    assert outcomes[2].error_code == "op_validation_failed"
    assert outcomes[2].error_message == "身份证号码校验位错误，请核对"
    assert outcomes[3].error_code == "op_conflict"


@pytest.mark.parametrize("fault", ["missing", "stranger", "twice", "wrong_seq"])
def test_a_response_that_does_not_answer_the_batch_records_nothing(fault):
    sent = [uentry(1), uentry(2)]
    results = [result(sent[0], 1), result(sent[1], 2)]
    if fault == "missing":
        results.pop()
    elif fault == "stranger":
        results[1] = result(uentry(9), 2)
    elif fault == "twice":
        results[1] = results[0]
    else:
        results[1] = result(sent[1], 5)
    with pytest.raises(ResultMismatch):
        apply_response(sent, {1: 1, 2: 2}, PushResponse(results=tuple(results), station_last_seq=2))


def test_a_sequence_gap_sends_again_everything_from_the_missing_number():
    rows = [
        row(1, state="done", seq=1),
        row(2, state="done", seq=2),
        row(3, state="set_aside", seq=3),
        row(4, seq=4),
        row(5),
        row(6, state="failed", seq=5),
    ]
    assert resend_from(rows, 2) == [2, 3, 6]


# ── backoff ─────────────────────────────────────────────────────────────────────────


def test_backoff_is_full_jitter_under_an_exponential_ceiling():
    assert backoff_delay(0) == 0
    assert [backoff_delay(n, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff_delay(5, rand=lambda: 0.0) == 0
    assert backoff_delay(5, rand=lambda: 0.5) == 16
    assert backoff_delay(60, rand=lambda: 1.0) == BACKOFF_CAP_SECONDS
    assert backoff_delay(10_000, rand=lambda: 1.0) == BACKOFF_CAP_SECONDS


def test_backoff_honours_retry_after_but_not_for_days():
    assert backoff_delay(1, retry_after=120, rand=lambda: 0.1) == 120
    assert backoff_delay(1, retry_after=0, rand=lambda: 0.5) == 1
    assert backoff_delay(1, retry_after=10**9, rand=lambda: 0.5) == BACKOFF_CAP_SECONDS * 4


@given(st.integers(min_value=1, max_value=200), st.floats(min_value=0, max_value=1, exclude_max=True))
def test_backoff_stays_between_zero_and_the_cap(failures, draw):
    assert 0 <= backoff_delay(failures, rand=lambda: draw) <= BACKOFF_CAP_SECONDS
