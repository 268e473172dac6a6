"""The push's apply phase takes shortcuts (rows without Posting objects, remembered
attributions and lifecycle steps); each answers what the long way answers (pure, Hypothesis)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from schema.fees import FeeLine
from schema.lifecycle import Actor, CaseEvent, CaseFacts, CaseStatus, transition
from schema.vocabulary import ApplicantKind, InsuranceType, Tier
from sync_server.core.attribution import REGISTRATION_ITEMS, Facts, attribute, attribute_of
from sync_server.core.ingest.accept import next_status
from sync_server.core.ledger import fee_rows, post_fee
from tests.server.test_core_ledger import AT, lines  # the fee lines test_core_ledger draws

COUNTIES = ["511102", "511123", "511100", "511181"]


@given(st.lists(lines, max_size=30), st.sampled_from(COUNTIES), st.sampled_from(COUNTIES))
def test_fee_rows_are_the_rows_of_post_fee(fee_lines: list[FeeLine], collecting: str, owed: str) -> None:
    rows = fee_rows(fee_lines, collecting_county=collecting, owed_county=owed, posted_at=AT)
    postings = post_fee(fee_lines, collecting_county=collecting, owed_county=owed, posted_at=AT)
    assert [(r, [type(v) for v in r.values()]) for r in rows] == [
        (p.row(), [type(v) for v in p.row().values()]) for p in postings
    ]
    assert [str(r["amount"]) for r in rows] == [str(p.amount) for p in postings]  # the same exponent too


codes = st.sampled_from(["511102", "511123", "511100", "110101", "511102004", "511123100", "999999", ""])
optional = st.one_of(st.none(), codes)
facts = st.builds(
    Facts,
    station_county=st.sampled_from(COUNTIES),
    applicant_kind=st.sampled_from(list(ApplicantKind)),
    insurance=st.one_of(st.none(), st.sampled_from(list(InsuranceType))),
    registration=st.one_of(st.none(), st.sampled_from(sorted(set(REGISTRATION_ITEMS.values())))),
    enrolment_county=optional,
    household_township=optional,
    id_area_code=optional,
    unit_county=optional,
    uscc_area_code=optional,
    household_division=optional,
    residence_division=optional,
    transfer=st.booleans(),
)


@given(facts)
def test_a_remembered_attribution_is_the_attribution(f: Facts) -> None:
    fields = [getattr(f, x.name) for x in dataclasses.fields(f)]
    assert attribute_of(*fields) == attribute(f)
    assert attribute_of(*fields) == attribute(f)  # and again, from the cache


@given(
    st.sampled_from(list(Tier)),
    st.sampled_from(list(CaseStatus)),
    st.sampled_from(list(CaseEvent)),
    st.booleans(),
)
def test_a_remembered_step_is_the_lifecycles_step(
    tier: Tier, status: CaseStatus, event: CaseEvent, by_clerk: bool
) -> None:
    actor = Actor.clerk("clerk.1", "511102004-01") if by_clerk else Actor("system", None)
    facts = CaseFacts(tier, status, "511102004-01", "clerk.1")
    try:
        expected: CaseStatus | str = transition(facts, event, actor)
    except Exception as exc:  # the same refusal, whatever it is
        expected = f"{type(exc).__name__}: {exc}"
    try:
        got: CaseStatus | str = next_status(tier, status, event, "511102004-01", "clerk.1", by_clerk)
    except Exception as exc:
        got = f"{type(exc).__name__}: {exc}"
    assert got == expected
