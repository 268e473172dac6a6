"""缴费通知单 at the desk: a flexible worker pays at the bank or through 税务, not in cash.

At the payment step of G12/G14 the clerk may choose 「银行缴费（打印缴费通知单）」 instead of
taking cash. :func:`issue` checks the request exactly as intake does (``check_intake``: the
same form, materials and fee), then writes in ONE transaction, offline: the notice (its
reference from ``schema.payment_reference`` — issuer = this station, serial = the station's
counter of the day, so no two stations ever make the same one), a ``payment_notice``
operation in the outbox (the city takes it once; a bank line that paid it before it arrived
is applied then) and the audit entry. No case is opened, no receipt is printed and no
receipt-stock number is used: the money goes from the bank to the fund's account, and the
city writes the months paid when the bank's confirmation file names the reference.

The paper is :func:`station_client.services.payment_notice_pdf.payment_notice_pdf`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from pydantic import ValidationError

from schema.fees import FlexibleWorkerRequest, compute_fee, fee_request_from_form
from schema.payment_reference import make_reference
from schema.protocol import OperationKind, PaymentNoticePayload, notice_subject_id
from schema.vocabulary import FeeKind, Role
from station_client.core import operation_drafts
from station_client.core.case_numbering import local_day
from station_client.core.fee_breakdown import breakdown
from station_client.core.intake_rules import check_intake
from station_client.core.money_words import in_words
from station_client.core.paper_words import month_span
from station_client.services import reference
from station_client.services.errors import ServiceError
from station_client.services.intake import IntakeRequest, _enrolled, _item
from station_client.services.session import Session
from station_client.store import audit, counters, outbox
from station_client.store import payment_notices as store

NOTICE_ITEMS = frozenset({"G12", "G14"})  # flexible workers' months: as the city's notices
VALID_DAYS = 30  # the bank takes the notice this long, never past the year its months are in
MAX_SERIAL = 9999  # schema.payment_reference: four digits a day


def notice_counter_name(day: date) -> str:
    return f"notice:{day:%Y%m%d}"


def valid_until(today: date) -> date:
    """The last day the bank should take the notice: 30 days on, within the same year (desk
    months are the acceptance year's only, schema.fees.check_desk_months)."""
    return min(today + timedelta(days=VALID_DAYS), date(today.year, 12, 31))


@dataclass(frozen=True)
class IssuedNotice:
    reference: str  # 22 digits
    grouped: str  # as printed, in groups of four
    item_code: str
    item_name: str
    amount: Decimal
    months: tuple[str, ...]
    valid_until: date
    op_id: str

    def lines(self) -> list[str]:
        """The result in the clerk's words."""
        return [
            f"{self.item_code} {self.item_name}：已开具缴费通知单（银行缴费，未收现金）",
            f"缴费参考号：{self.grouped}",
            f"应缴金额：{self.amount:.2f} 元（{in_words(self.amount)}）",
            f"缴费所属期：{month_span(list(self.months))}",
            f"有效期至：{self.valid_until:%Y年%m月%d日}",
            "请把通知单交给缴费人，到银行或税务渠道凭参考号缴费；通知单将在联网后自动上报市局。",
        ]


def _refuse(code: str, message: str, **detail: Any) -> ServiceError:
    return ServiceError(code, message, detail)


def issue(session: Session, request: IntakeRequest, *, now: datetime | None = None) -> IssuedNotice:
    """Check the request as intake does and issue its notice; IntakeRefused / ServiceError."""
    now = now or datetime.now(UTC)
    row = session.require_active(now)
    if row.role != Role.CLERK.value:
        raise ServiceError("intake_not_clerk", "只有前台综合柜员可以受理业务：请用柜员账号登录后办理。")
    db, dek = session.db, session.dek
    today = local_day(now)
    item = _item(session, request.item_code)
    if item.code not in NOTICE_ITEMS:
        raise _refuse(
            "notice_item_not_payable",
            f"{item.code} {item.name} 不能开具缴费通知单：只有灵活就业人员缴费（G12、G14）可以到银行缴费。请收取现金。",
            item=item.code,
        )
    checked = check_intake(
        item,
        request.applicant,
        request.form,
        request.materials_provided,
        [],  # the notice keeps no scans: the materials are seen, the money is not taken here
        today=today,
        rates=reference.rates(db),
        calendar=reference.calendar(db),
        enrolled=_enrolled(session, request.applicant, today),
    )
    applicant = checked.applicant
    if checked.fee is None or applicant.id_number is None:
        raise _refuse(
            "notice_no_fee", "本次业务没有应缴金额，不需要开具缴费通知单：请直接办结。", item=item.code
        )
    fee_request = fee_request_from_form(FeeKind.FLEXIBLE_WORKER, checked.form)
    assert isinstance(fee_request, FlexibleWorkerRequest)
    fee = compute_fee(fee_request, reference.rates(db))
    op_id = uuid4()
    until = valid_until(today)
    with db.atomic():
        serial = counters.next_value(db, notice_counter_name(today))
        if serial > MAX_SERIAL:
            raise _refuse(
                "notice_serial_exhausted",
                "本站今天开具的缴费通知单已达 9999 张上限：请明天再开具，或收取现金。",
            )
        ref = make_reference(session.station_id, today, serial)
        subject = notice_subject_id(ref.digits)
        try:
            payload = PaymentNoticePayload(
                reference=ref.digits,
                item_code=item.code,
                id_number=applicant.id_number,
                name=applicant.name,
                request=fee_request,
                months=fee.months,
                amount=fee.payer_amount,
                clerk=session.username,
                issued_at=now,
                valid_until=until,
            )
            draft = operation_drafts.draft(
                kind=OperationKind.PAYMENT_NOTICE,
                op_id=op_id,
                station_id=session.station_id,
                case_id=subject,
                created_at=now,
                payload=payload,
            )
        except ValidationError as exc:
            raise ServiceError(
                "intake_invalid",
                "业务数据未通过格式校验，未保存：请核对填写内容后重试；如仍不成功请联系综合业务科。",
                {"errors": exc.error_count()},
            ) from exc
        doc = {
            **payload.model_dump(mode="json"),
            "grouped": ref.grouped,
            "item_name": item.name,
            "clerk_name": session.display_name,
            "station_id": session.station_id,
            "fee": breakdown(checked.fee),
        }
        store.insert(
            db, dek, reference=ref.digits, issued_at=now, clerk=session.username, op_id=str(op_id), doc=doc
        )
        outbox.enqueue(
            db,
            dek,
            op_id=str(op_id),
            case_id=str(subject),
            kind=OperationKind.PAYMENT_NOTICE.value,
            created_at=now,
            draft=draft,
        )
        audit.append(
            db,
            at=now,
            actor=session.username,
            action="payment_notice.issued",
            entity="payment_notice",
            entity_id=ref.digits,
            detail={"op_id": str(op_id), "item_code": item.code, "amount": f"{fee.payer_amount:.2f}"},
        )
    return IssuedNotice(
        ref.digits, ref.grouped, item.code, item.name, fee.payer_amount, fee.months, until, str(op_id)
    )
