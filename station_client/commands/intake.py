"""``station-client intake``: take one case from a JSON file through the intake service.

``--template`` prints what to fill in for an item: the applicant block, every form field
(``null`` = not filled; its type, whether required, its choices under ``_fields``) and
the materials list (``_materials``). Keys starting with ``_`` are ignored on input, so
the template itself is a valid input once filled. ``scans`` name files; their type
comes from the extension (.jpg/.jpeg/.png/.pdf). ``"payment": "bank"`` (G12/G14) issues a
缴费通知单 instead of taking cash (``services.payment_notice``; print it with
``station-client receipt <参考号> --kind notice``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from schema.catalog import CatalogItem, FieldType, load_catalog
from schema.vocabulary import ApplicantKind, label
from station_client.commands.case_files import base_of, read_case_file, read_scans
from station_client.commands.common import (
    Failure,
    guarded,
    home_option,
    open_existing,
    open_session,
    paths_of,
)
from station_client.core.intake_rules import ApplicantInput, IntakeRefused
from station_client.services import payment_notice, reference
from station_client.services.intake import IntakeRequest, IntakeResult
from station_client.services.intake import intake as run_intake

_TYPE_WORDS = {
    FieldType.TEXT: "文本",
    FieldType.LONG_TEXT: "长文本",
    FieldType.INTEGER: "整数",
    FieldType.MONEY: "金额（元）",
    FieldType.DATE: "日期 YYYY-MM-DD",
    FieldType.MONTH: "年月 YYYY-MM",
    FieldType.CHOICE: "单选",
    FieldType.MULTI_CHOICE: "多选（列表）",
    FieldType.BOOLEAN: "是/否（true/false）",
    FieldType.RESIDENT_ID: "公民身份号码",
    FieldType.USCC: "统一社会信用代码",
    FieldType.PHONE: "电话",
    FieldType.BANK_ACCOUNT: "银行账号",
    FieldType.DIVISION: "区划代码或名称",
    FieldType.PERCENT: "百分数",
}


def template(item: CatalogItem) -> dict[str, Any]:
    """The fill-in JSON for ``item``."""
    person = item.applicant is ApplicantKind.PERSON
    applicant: dict[str, Any] = {"name": None, "phone": None}
    applicant |= {"id_number": None} if person else {"uscc": None}
    fields = {
        f.name: {
            "label": f.label,
            "type": f.type.value,
            "type_label": _TYPE_WORDS[f.type],
            "required": f.required,
            **({"required_if": f.required_if.model_dump(exclude_none=True)} if f.required_if else {}),
            **({"choices": [{"value": c.value, "label": c.label} for c in f.choices]} if f.choices else {}),
            **({"default": f.default} if f.default is not None else {}),
            **({"help": f.help} if f.help else {}),
        }
        for f in item.form
    }
    materials = [
        {
            "code": m.code,
            "name": m.name,
            "requirement": m.requirement,
            **({"condition": m.condition_text} if m.condition_text else {}),
        }
        for m in item.materials
    ]
    return {
        "_说明": "填写 applicant、form（null 表示未填）、materials_provided（已收材料编码）和 scans（扫描件文件）；"
        "以下划线开头的键仅作说明，提交时忽略。",
        "_item": {
            "code": item.code,
            "name": item.name,
            "tier": item.tier.value,
            "tier_label": label(item.tier),
        },
        "item_code": item.code,
        "applicant": applicant,
        "form": {f.name: None for f in item.form},
        "materials_provided": [],
        "scans": [],
        "_scans": '扫描件：[{"material_code": "id_card", "path": "身份证.jpg"}]，路径相对于本文件。',
        "_fields": fields,
        "_materials": materials,
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _request(item_code: str, data: dict[str, Any], base: Path) -> IntakeRequest:
    applicant = data.get("applicant") or {}
    form = data.get("form") or {}
    materials = data.get("materials_provided") or []
    if not isinstance(applicant, dict) or not isinstance(form, dict) or not isinstance(materials, list):
        raise Failure(
            "case_file_invalid",
            "案件文件中 applicant、form 应为对象，materials_provided 应为列表：请按 --template 的格式填写。",
        )
    scans = read_scans(data.get("scans"), base)
    return IntakeRequest(
        item_code=item_code,
        applicant=ApplicantInput(
            name=str(applicant.get("name") or ""),
            id_number=_text(applicant.get("id_number")),
            uscc=_text(applicant.get("uscc")),
            phone=_text(applicant.get("phone")),
        ),
        form={k: v for k, v in form.items() if v is not None},
        materials_provided=[str(m) for m in materials],
        scans=scans,
    )


def _as_json(result: IntakeResult) -> dict[str, Any]:
    return {
        "case_id": str(result.case_id),
        "case_number": result.case_number,
        "item_code": result.item_code,
        "status": result.status.value,
        "status_label": result.status_label,
        "promised_date": None if result.promised_date is None else result.promised_date.isoformat(),
        "promised_text": result.promised_text,
        "fee": result.fee,
        "receipt_number": result.receipt_number,
        "unverified_applicant": result.unverified_applicant,
        "base_version": result.base_version,
        "warnings": [{"code": w.code, "message": w.message} for w in result.warnings],
    }


def _echo_notice(issued: payment_notice.IssuedNotice, as_json: bool) -> None:
    if as_json:
        body = {"reference": issued.reference, "grouped": issued.grouped, "item_code": issued.item_code,
                "amount": f"{issued.amount:.2f}", "months": list(issued.months),
                "valid_until": issued.valid_until.isoformat(), "op_id": issued.op_id}  # fmt: skip
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for line in issued.lines():
        click.echo(line)
    click.echo(f"打印通知单：station-client receipt {issued.reference} --kind notice")


@click.command("intake")
@home_option
@click.option("--user", "username", help="柜员用户名（密码从提示或环境变量 SSB_PASSWORD 读取）。")
@click.option("--item", "item_code", required=True, help="业务事项编码，如 G14、C009。")
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="案件 JSON 文件（- 为标准输入）。",
)
@click.option("--template", "want_template", is_flag=True, help="输出该事项的填写模板后退出。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@guarded
def intake(
    *,
    home: str | None,
    username: str | None,
    item_code: str,
    input_path: str | None,
    want_template: bool,
    as_json: bool,
) -> None:
    """受理一件业务（与界面使用同一受理服务）；--template 输出填写模板。"""
    if want_template:
        db = None
        paths = paths_of(home)
        if home is not None and paths.db.exists():
            db = open_existing(paths)
        catalog = reference.catalog(db) if db is not None else load_catalog()
        click.echo(json.dumps(template(catalog.item(item_code)), ensure_ascii=False, indent=2))
        return
    if not username or not input_path:
        raise click.UsageError(
            "受理业务需要 --user（柜员用户名）和 --input（案件 JSON 文件）；只看模板请加 --template。"
        )
    data = read_case_file(input_path)
    given = str(data.get("item_code") or item_code)
    if given.strip().upper().lstrip("0") != item_code.strip().upper().lstrip("0"):
        raise Failure(
            "case_file_item_mismatch",
            f"案件文件是事项 {given} 的，与 --item {item_code} 不符：请核对事项编码。",
        )
    request = _request(item_code, data, base_of(input_path))
    payment = str(data.get("payment") or "cash").strip().lower()
    if payment not in ("cash", "bank"):
        raise Failure(
            "case_file_invalid", "案件文件中 payment 只能是 cash（现金）或 bank（银行缴费，开具缴费通知单）。"
        )
    db = open_existing(paths_of(home))
    try:
        session = open_session(db, username)
        try:
            if payment == "bank":
                issued = payment_notice.issue(session, request)
                _echo_notice(issued, as_json)
                return
            result = run_intake(session, request)
        except IntakeRefused as exc:
            if exc.notice:
                click.echo(exc.notice, err=True)
            raise
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(_as_json(result), ensure_ascii=False, indent=2))
    else:
        for line in result.lines():
            click.echo(line)
