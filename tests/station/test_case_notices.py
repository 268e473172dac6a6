"""补正告知书 and 办结通知书: printed from a case the city decided on, each on one page with
what the reviewer asked for or decided, where to go, and the station's contact."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from schema.identifiers import make_uscc
from schema.lifecycle import CaseStatus
from schema.records import DecisionRecord
from schema.vocabulary import Section
from station_client.core.case_notices import DECISION_NOTICE, SUPPLEMENT_NOTICE, notices_for
from station_client.core.intake_rules import ApplicantInput
from station_client.services import decisions, receipt_pdf
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, intake
from station_client.services.session import Session
from station_client.store import cases
from sync_server.services.review.decide import return_reason
from tests.station.test_receipt_pdf import _pages, _words, needs_poppler, set_contact
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW

TRANSFER = {
    "transfer_kind": "within_city",
    "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
    "transfer_month": "2026-11",
}
PRINTED = NOW + timedelta(days=3)


def _accept(session: Session) -> UUID:
    request = IntakeRequest(
        "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), TRANSFER, ["id_card", "new_employer_proof"]
    )
    return intake(session, request, now=NOW).case_id


def _decide(session: Session, case_id: UUID, status: CaseStatus, reason: str = "") -> DecisionRecord:
    row = cases.get_row(session.db, str(case_id))
    assert row is not None
    record = DecisionRecord(
        case_id=case_id,
        case_number=row.case_number,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        decided_at=NOW + timedelta(days=2),
        decided_by="reviewer1",
        section=Section.PENSION,
        version=2,
    )
    assert decisions.apply_decision(session.db, session.dek, record)
    return record


def _notice(session: Session, case_id: UUID, kind: str) -> bytes:
    return receipt_pdf.case_notice_pdf(
        session.db, session.dek, str(case_id), kind, clerk="张晓梅", now=PRINTED
    ).pdf


def test_a_case_offers_the_notice_of_the_decision_it_stands_on():
    assert notices_for(CaseStatus.SUBMITTED, None) == ()
    assert notices_for(CaseStatus.RETURNED, CaseStatus.RETURNED) == (SUPPLEMENT_NOTICE,)
    assert notices_for(CaseStatus.SUPPLEMENTED, CaseStatus.RETURNED) == ()  # 补正 done: the return is history
    assert notices_for(CaseStatus.APPROVED, CaseStatus.APPROVED) == (DECISION_NOTICE,)
    assert notices_for(CaseStatus.REJECTED, CaseStatus.REJECTED) == (DECISION_NOTICE,)
    assert notices_for(CaseStatus.WITHDRAWN, None) == ()


def test_no_notice_before_the_city_decided(session: Session):
    case_id = _accept(session)
    with pytest.raises(ServiceError) as info:
        _notice(session, case_id, SUPPLEMENT_NOTICE)
    assert info.value.code == "notice_not_available" and "联网同步" in info.value.message


@needs_poppler
def test_the_supplement_notice_says_what_to_bring_why_and_where(session: Session, tmp_path):
    set_contact(session.db, "0833-2123456", "乐山市市中区大佛街道嘉定中路 1 号")
    case_id = _accept(session)
    reason = return_reason("C009", ["new_employer_proof"], "录用通知须加盖单位公章")
    _decide(session, case_id, CaseStatus.RETURNED, reason)
    pdf = _notice(session, case_id, SUPPLEMENT_NOTICE)
    assert _pages(pdf, tmp_path) == 1
    text = _words(pdf, tmp_path)
    assert "社会保险业务补正告知书" in text and "退回原因" in text and "录用通知须加盖单位公章" in text
    assert "需补正的材料" in text and "1.新单位参保证明或录用通知" in text
    assert "到乐山市市中区大佛街道社保所办理补正" in text and "地址：乐山市市中区大佛街道嘉定中路1号" in text
    assert "办理时限自补正之日起重新计算（5个工作日）" in text
    assert "养老保险科" in text and "退回日期2026年11月28日" in text
    assert "经办人：张晓梅" in text and "2026年11月29日" in text  # printed three days after intake
    assert KNOWN_NAME in text and KNOWN_ID not in text
    assert "https://ssb.leshan.test/progress" in text


@needs_poppler
def test_the_decision_notice_of_an_approval_says_what_happens_next(session: Session, tmp_path):
    case_id = _accept(session)
    _decide(session, case_id, CaseStatus.APPROVED)
    pdf = _notice(session, case_id, DECISION_NOTICE)
    assert _pages(pdf, tmp_path) == 1
    text = _words(pdf, tmp_path)
    assert "社会保险业务办结通知书" in text and "已办结（核准）" in text and "决定日期2026年11月28日" in text
    assert "请持本通知书和身份证件到乐山市市中区大佛街道社保所领取办理结果" in text
    assert "联系电话：（未登记电话）" in text  # the city has not registered the station's phone yet


@needs_poppler
def test_the_decision_notice_of_a_refusal_gives_the_reason_and_the_remedies(session: Session, tmp_path):
    case_id = _accept(session)
    reason = "新单位参保登记尚未完成，不能办理转移。" * 40  # near the console's 1000 characters
    _decide(session, case_id, CaseStatus.REJECTED, reason)
    pdf = _notice(session, case_id, DECISION_NOTICE)
    assert _pages(pdf, tmp_path) == 1  # laid out smaller rather than spilling the seal onto page 2
    text = _words(pdf, tmp_path)
    assert "不予核准（审核不通过）" in text and "不予核准理由" in text
    assert text.replace("不予核准理由", "").count("不能办理转移") == 40  # the label sits mid-cell
    assert "六十日内依法申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text
    assert "（盖章）" in text and "经办人：张晓梅" in text
