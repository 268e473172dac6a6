"""``station-client handover ID``: the city's decision was handed to the applicant
(审核结果待交付 → 已交付), through the same service as the window's 登记交付审核结果
(``services/supplement.hand_over``): the case, its outbox operation and the audit entry in
one transaction. The recipient defaults to the applicant, as the window pre-fills it."""

from __future__ import annotations

from uuid import UUID

import click

from station_client.commands.common import (
    Failure,
    case_id_of,
    desk,
    guarded,
    home_option,
    json_option,
    now,
    print_json,
    user_option,
)
from station_client.services import reference
from station_client.services.case_detail import case_detail
from station_client.services.supplement import hand_over


@click.command("handover")
@home_option
@user_option
@click.argument("case_ref", metavar="受理编号")
@click.option("--recipient", default=None, help="领取人（本人或代领人姓名），默认申请人本人。")
@click.option("--note", default="", help="备注（如代领人的证件号码、关系）。")
@json_option
@guarded
def handover(
    *, home: str | None, username: str, case_ref: str, recipient: str | None, note: str, as_json: bool
) -> None:
    """登记市局的审核结果已交付申请人（与窗口“登记交付审核结果”相同）。"""
    with desk(home, username) as (_paths, session):
        case_id = case_id_of(session, case_ref)
        detail = case_detail(session.db, session.dek, reference.catalog(session.db), case_id, now=now())
        s = detail.summary
        if detail.decision and not s.handed_over and not detail.can_hand_over:
            # The window offers 交付 only for a final decision; a return is answered with 补正.
            what = (
                f"退回补正的业务请办理补正（station-client supplement {s.case_number} --template）"
                if detail.can_supplement
                else "市局的最终审核决定下达后才能交付，请联网同步后再查看"
            )
            raise Failure(
                "case_transition_not_allowed",
                f"这件业务当前状态为「{s.status_label}」，没有可交付的审核结果：{what}。",
                {"status": s.status, "case_number": s.case_number},
            )
        who = (recipient or "").strip() or str(detail.applicant_raw.get("name", ""))
        result = hand_over(session, UUID(case_id), recipient=who, note=note.strip(), now=now())
    if as_json:
        print_json(
            {
                "case_id": str(result.case_id),
                "case_number": result.case_number,
                "status": result.status.value,
                "status_label": result.status_label,
                "handed_over": True,
                "recipient": who,
                "op_id": str(result.op_id),
            }
        )
    else:
        click.echo(
            f"已登记：{result.case_number} 的审核结果（{result.status_label}）已交付 {who}，下次同步时报送市局。"
        )
