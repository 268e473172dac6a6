"""``station-client supplement ID --input FILE``: 补正 of a case the city returned, through
the same service as the window's 补正 form (``services/supplement.py``): the changed
fields, the newly received materials and their scans go up on the next sync.

``--template`` prints the file to fill in for that case: the form as it stands (change
what the reviewer asked for), the reviewer's reason, every material with whether it was
received, and empty ``materials_provided`` / ``scans`` for what the applicant brought now.
Keys starting with ``_`` are explanations, ignored on input.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import click

from schema.catalog import CatalogItem
from station_client.commands.case_files import base_of, read_case_file, read_scans
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
from station_client.commands.intake import template as intake_template
from station_client.core.intake_rules import IntakeRefused
from station_client.core.supplement_rules import SupplementRequest
from station_client.services import reference
from station_client.services.case_detail import CaseDetail, case_detail
from station_client.services.supplement import supplement as run_supplement
from station_client.services.supplement import supplement_request


def template(detail: CaseDetail, item: CatalogItem, asked: SupplementRequest) -> dict[str, Any]:
    """The fill-in JSON for 补正 of ``detail``'s case: what the reviewer named counts as not
    received (as on the window's 补正 form) until listed in ``materials_provided`` or scanned."""
    s = detail.summary
    return {
        "_说明": "按退回原因修改 form 中需要更正的项目；materials_provided 填本次收到的材料编码"
        "（退回原因点名的材料须重新收取），"
        "scans 填本次扫描件（路径相对于本文件）；note 可写补正说明。以下划线开头的键仅作说明，提交时忽略。",
        "_case": {
            "case_number": s.case_number,
            "item_code": s.item_code,
            "item_name": s.item_name,
            "status_label": s.status_label,
            "returned_reason": asked.reason,
            "requested_materials": list(asked.requested_names),
        },
        "case": s.case_number,
        "form": {f.name: detail.form_values.get(f.name) for f in item.form},
        "materials_provided": [],
        "scans": [],
        "note": "",
        "_scans": '扫描件：[{"material_code": "id_card", "path": "身份证.jpg"}]，路径相对于本文件。',
        "_fields": intake_template(item)["_fields"],
        "_materials": [
            {
                "code": m.code,
                "name": m.name,
                "requirement": m.requirement,
                "received": m.code in asked.kept,
                "requested": m.code in asked.requested,
            }
            for m in item.materials
        ],
    }


def _changes(data: dict[str, Any]) -> tuple[dict[str, Any], list[str], str]:
    form = data.get("form") or {}
    materials = data.get("materials_provided") or []
    note = data.get("note") or ""
    if not isinstance(form, dict) or not isinstance(materials, list) or not isinstance(note, str):
        raise Failure(
            "case_file_invalid",
            "补正文件中 form 应为对象，materials_provided 应为列表，note 应为文字：请按 supplement --template 的格式填写。",
        )
    return {k: v for k, v in form.items() if v is not None}, [str(m) for m in materials], note


@click.command("supplement")
@home_option
@user_option
@click.argument("case_ref", metavar="受理编号")
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="补正 JSON 文件（- 为标准输入），格式见 --template。",
)
@click.option("--template", "want_template", is_flag=True, help="输出这件业务的补正填写模板后退出。")
@json_option
@guarded
def supplement(
    *,
    home: str | None,
    username: str,
    case_ref: str,
    input_path: str | None,
    want_template: bool,
    as_json: bool,
) -> None:
    """补正一件被市局退回的业务（与窗口“补正”使用同一服务），下次同步时重新上报。"""
    if not want_template and not input_path:
        raise click.UsageError("补正需要 --input（补正 JSON 文件）；先用 --template 生成填写模板。")
    data = read_case_file(input_path, "supplement --template") if input_path else {}
    with desk(home, username) as (_paths, session):
        case_id = case_id_of(session, case_ref)
        catalog = reference.catalog(session.db)
        detail = case_detail(session.db, session.dek, catalog, case_id, now=now())
        number = detail.summary.case_number
        if want_template:
            asked = supplement_request(session, UUID(case_id))
            print_json(template(detail, catalog.item(detail.summary.item_code), asked))
            return
        assert input_path is not None
        given = str(data.get("case") or number)
        if "".join(given.split()).upper() != number.upper():
            raise Failure(
                "case_file_case_mismatch",
                f"补正文件是业务 {given} 的，与要补正的 {number} 不符：请核对受理编号，或重新生成模板。",
                {"file_case": given, "case_number": number},
            )
        form, materials, note = _changes(data)
        scans = read_scans(data.get("scans"), base_of(input_path))
        try:
            result = run_supplement(
                session,
                UUID(case_id),
                form_changes=form,
                materials_provided=materials,
                scans=scans,
                note=note,
                now=now(),
            )
        except IntakeRefused as exc:
            if exc.notice:  # the 一次性告知单 on stderr; stdout stays one document
                click.echo(exc.notice, err=True)
            raise
    if as_json:
        print_json(
            {
                "case_id": str(result.case_id),
                "case_number": result.case_number,
                "status": result.status.value,
                "status_label": result.status_label,
                "op_id": str(result.op_id),
            }
        )
    else:
        click.echo(f"已补正：{result.case_number}，状态“{result.status_label}”，下次同步时重新上报市局。")
