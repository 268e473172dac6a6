"""Everything the case page shows, read in one transaction.

The applicant's registry data (person and enrolments, or the unit) beside the change the
form asks for; the form with the catalog's labels; the materials the item needs, which
were handed in (and which the last return asked for again) and which scans arrived; the
computed 参保地 with the rule that decided it, the fee's attribution (collecting county →
owed county) and its decomposition by insurance, account and month; the ledger postings;
the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.catalog import CatalogItem, FieldType, FormField, load_catalog
from schema.divisions import CITY_LEVEL_CODE, CITY_LEVEL_NAME, load_divisions
from schema.errors import TransitionError
from schema.lifecycle import EVENT_LABELS, Actor, CaseEvent, CaseStatus, transition
from schema.vocabulary import Account, InsuranceType, Role, labels
from sync_server.db.tables import attachments, enrolments, ledger_entries, persons, stations, units
from sync_server.services.review import case_effects
from sync_server.services.review import decide as review

DbRow = Any  # a result row (SQLAlchemy 2.1 types rows by their columns)

RULE_LABELS = {
    "registry_enrolment": "人员库中该险种已有参保登记，按其参保地",
    "employer_county": "新参保职工，按用人单位所在区县",
    "household_county": "新参保城乡居民（或未登记经常居住地的灵活就业人员），按户口簿登记的户籍所在区县",
    "residence_county": "新参保灵活就业人员，按登记的经常居住地所在区县",
    "id_area_code": "表单未登记户籍，暂按身份证号码地址码所在区县（待核实）",
    "station_county": "无其他登记信息，按受理服务站所在区县",
    "unit_county": "单位业务，按单位登记所在区县",
}
PAYER_LABELS = {"person": "个人缴纳", "employer": "单位缴纳", "government": "政府补贴"}
SEX_LABELS = {"male": "男", "female": "女", "M": "男", "F": "女"}
ENROLMENT_STATUS = {"active": "正常参保", "suspended": "暂停缴费", "stopped": "终止参保"}
ENROLMENT_KIND = {"employee": "职工", "flexible": "灵活就业", "resident": "城乡居民", "retired": "退休"}
# Registry column → the form field that asks to change it.
PERSON_CHANGES = (
    ("name", "姓名", "new_name"),
    ("id_number", "公民身份号码", "new_id_number"),
    ("sex", "性别", "new_sex"),
    ("birth_date", "出生日期", "new_birth_date"),
    ("township_code", "户籍所在乡镇（街道）", "new_household_division"),
    ("residence_code", "经常居住地乡镇（街道）", "residence_division"),
    ("phone", "联系电话", "new_phone"),
    ("address", "联系地址", "new_address"),
)
UNIT_CHANGES = (
    ("name", "单位名称", "new_unit_name"),
    ("county_code", "所在区县", "new_division"),
    ("risk_class", "工伤保险行业风险类别", "new_risk_class"),
)
_WORDS = {**labels(InsuranceType), **labels(Account)}
# Form fields naming the unit a person moves to: the registry's 参保单位 line asks to change it.
NEW_UNIT_FIELDS = ("new_employer_uscc",)


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    changed: bool = False  # registry lines: the form asks to change this one


@dataclass(frozen=True)
class RegistryLine:
    label: str
    current: str
    requested: str | None  # None: the form does not touch it


# 前台核验 of a material: handed in, not handed in, asked for again by the return the case
# waits on (the station shows it as 要求补交 too), or handed in again by the 补正 after it.
MATERIAL_CHECKS = {
    "provided": "已提交",
    "missing": "未提交",
    "requested": "要求补交",
    "resubmitted": "已补交",
}


@dataclass(frozen=True)
class MaterialView:
    code: str
    name: str
    note: str
    provided: bool
    scans: list[dict[str, Any]]  # {sha256, filename, media_type, size, complete}
    check: str = "provided"  # a key of MATERIAL_CHECKS

    @property
    def check_label(self) -> str:
        return MATERIAL_CHECKS[self.check]


@dataclass
class CaseView:
    row: DbRow
    item: CatalogItem
    station_name: str
    form: list[Line]
    registry: list[RegistryLine]
    registry_kind: str  # person | unit | none
    registry_version: int | None
    enrolments: list[dict[str, str]]
    materials: list[MaterialView]
    other_scans: list[dict[str, Any]]
    collecting_county: str
    registration_county: str
    registration_rule: str
    attribution_flags: list[dict[str, str]]  # why 参保地 is provisional: {code, label, reason}
    fee_lines: list[dict[str, str]]
    fee_total: str | None
    ledger: list[dict[str, str]]
    history: list[dict[str, Any]]
    actions: set[CaseEvent] = field(default_factory=set)
    blocked: tuple[str, str] | None = None  # why this reviewer can do nothing here (code, message)
    effect_preview: case_effects.Preview | None = None  # what approving would change in the records


def division_name(code: str | None) -> str:
    if not code:
        return "—"
    if code == CITY_LEVEL_CODE:
        return CITY_LEVEL_NAME
    found = load_divisions().find(code)
    return load_divisions().full_name(found.code).removeprefix("四川省") if found else code


def unit_label(uscc: str | None, names: dict[str, str]) -> str:
    """A unit as people know it: its name, with the credit code that identifies it."""
    if not uscc:
        return "—"
    name = names.get(uscc)
    return f"{name}（{uscc}）" if name else f"{uscc}（单位库中暂无此单位）"


def unit_names(conn: Connection, usccs: set[str]) -> dict[str, str]:
    found = sorted(u for u in usccs if u)
    if not found:
        return {}
    return dict(conn.execute(sa.select(units.c.uscc, units.c.name).where(units.c.uscc.in_(found))).all())


def _usccs(item: CatalogItem, form: dict[str, Any]) -> set[str]:
    return {str(form[f.name]) for f in item.form if f.type is FieldType.USCC and form.get(f.name)}


def display_value(f: FormField | None, value: Any, units_named: dict[str, str] | None = None) -> str:
    """A form value as people read it: choice labels, 是/否, division names, money, unit names."""
    if value is None or value in ("", []):
        return "—"
    if f is None:
        return str(value)
    if f.type is FieldType.USCC:
        return unit_label(str(value), units_named or {})
    if f.type is FieldType.BOOLEAN:
        return "是" if value is True or str(value).lower() in ("true", "1", "是") else "否"
    if f.type is FieldType.CHOICE:
        return f.choice_label(str(value)) or str(value)
    if f.type is FieldType.MULTI_CHOICE and isinstance(value, list):
        return "、".join(f.choice_label(str(v)) or str(v) for v in value)
    if f.type is FieldType.DIVISION:
        return division_name(str(value))
    if f.type is FieldType.MONEY:
        return f"{Decimal(str(value)):,.2f} 元"
    if f.type is FieldType.PERCENT:
        return f"{value}%"
    return str(value)


def _form(item: CatalogItem, form: dict[str, Any], named: dict[str, str]) -> list[Line]:
    known = [Line(f.label, display_value(f, form.get(f.name), named)) for f in item.form if f.name in form]
    extra = [Line(name, str(value)) for name, value in form.items() if item.field(name) is None]
    return known + extra


def _person_lines(
    person: DbRow | None, item: CatalogItem, form: dict[str, Any], held: list[DbRow], named: dict[str, str]
) -> list[RegistryLine]:
    out = []
    for column, text, field_name in PERSON_CHANGES:
        current: Any = getattr(person, column) if person is not None else None
        if column == "sex":
            current = SEX_LABELS.get(str(current), current)
        elif column in ("township_code", "residence_code"):
            current = division_name(current)
        requested = form.get(field_name)
        shown = display_value(item.field(field_name), requested) if requested not in (None, "") else None
        out.append(RegistryLine(text, "—" if current in (None, "") else str(current), shown))
    # 参保单位: the units the person is insured through now, and the one the form moves them to.
    now_at = sorted({e.unit_uscc for e in held if e.unit_uscc and e.status != "stopped"})
    new = next((str(form[n]) for n in NEW_UNIT_FIELDS if item.field(n) is not None and form.get(n)), None)
    if now_at or new:
        current_units = "；".join(unit_label(u, named) for u in now_at) or "—"
        out.append(RegistryLine("参保单位", current_units, unit_label(new, named) if new else None))
    return out


def _unit_lines(unit: DbRow | None, item: CatalogItem, form: dict[str, Any]) -> list[RegistryLine]:
    out = []
    for column, text, field_name in UNIT_CHANGES:
        current: Any = getattr(unit, column) if unit is not None else None
        if column == "county_code":
            current = division_name(current)
        requested = form.get(field_name)
        shown = display_value(item.field(field_name), requested) if requested not in (None, "") else None
        out.append(RegistryLine(text, "—" if current in (None, "") else str(current), shown))
    return out


def _subject(item: CatalogItem, row: DbRow) -> str | None:
    """Whose registry row the case is about: the employee named in the form, else the applicant."""
    form = row.payload.get("form", {})
    for name in ("employee_id_number",):
        if item.field(name) is not None and isinstance(form.get(name), str):
            return str(form[name])
    return row.applicant_key if row.applicant_kind == "person" else None


def asked_again(status: str, events: list[DbRow]) -> tuple[set[str], bool]:
    """The materials the latest return named (its audit detail ``missing``, as ticked by the
    reviewer), and whether the case still waits on the 补正 (False: the station has answered)."""
    for event in reversed(events):
        if event.event == CaseEvent.RETURN_FOR_SUPPLEMENT.value:
            missing = set((event.detail or {}).get("missing", []))
            return missing, status == CaseStatus.RETURNED.value
    return set(), False


def material_check(code: str, provided: set[str], requested: set[str], waiting: bool) -> str:
    if code in requested:
        if waiting:
            return "requested"
        return "resubmitted" if code in provided else "missing"
    return "provided" if code in provided else "missing"


def _materials(
    conn: Connection, item: CatalogItem, payload: dict[str, Any], requested: set[str], waiting: bool
) -> tuple[list[MaterialView], list[dict[str, Any]]]:
    provided = set(payload.get("materials_provided", []))
    refs = payload.get("attachments", [])
    held = {}
    if refs:
        held = {
            r.sha256: bool(r.complete)
            for r in conn.execute(
                sa.select(attachments.c.sha256, attachments.c.complete).where(
                    attachments.c.sha256.in_([x["sha256"] for x in refs])
                )
            )
        }
    scans = [{**ref, "complete": held.get(ref["sha256"], False)} for ref in refs]
    form = payload.get("form", {})
    views = [
        MaterialView(
            m.code,
            m.name,
            "；".join(t for t in (m.condition_text, m.note) if t),
            m.code in provided,
            [s for s in scans if s["material_code"] == m.code],
            material_check(m.code, provided, requested, waiting),
        )
        for m in item.materials
        if m.applies(form) or m.code in provided or m.code in requested
    ]
    codes = {m.code for m in item.materials}
    return views, [s for s in scans if s["material_code"] not in codes]


def _fee(payload: dict[str, Any]) -> tuple[list[dict[str, str]], str | None]:
    fee = payload.get("fee")
    if not fee:
        return [], None
    lines = [
        {
            "insurance": _WORDS.get(line["insurance"], line["insurance"]),
            "account": _WORDS.get(line["account"], line["account"]),
            "month": line.get("month") or "全年",
            "payer": PAYER_LABELS.get(line["payer"], line["payer"]),
            "amount": f"{Decimal(str(line['amount'])):,.2f}",
        }
        for line in fee["lines"]
    ]
    return lines, f"{Decimal(str(fee['total'])):,.2f}"


def _ledger(conn: Connection, case_id: str) -> list[dict[str, str]]:
    e = ledger_entries.c
    rows = conn.execute(sa.select(ledger_entries).where(e.case_id == case_id).order_by(e.id)).all()
    return [
        {
            "period": r.period,
            "county": division_name(r.county_code),
            "counterparty": division_name(r.counterparty_county),
            "insurance": _WORDS.get(r.insurance_type, r.insurance_type),
            "account": _WORDS.get(r.account, r.account),
            "side": "代收（应划出）" if r.side == "collected" else "应收（待划入）",
            "amount": f"{Decimal(r.amount):,.2f}",
            "month": r.contribution_month or "—",
        }
        for r in rows
    ]


def _history(events: list[DbRow]) -> list[dict[str, Any]]:
    out = []
    for r in events:
        try:
            event = EVENT_LABELS[CaseEvent(r.event)]
        except ValueError:
            event = {"handed_over": "决定已交付申请人"}.get(r.event, r.event)
        try:
            status = CaseStatus(r.to_status).label
        except ValueError:
            status = r.to_status
        out.append({"at": r.at, "actor": r.actor, "event": event, "status": status, "detail": r.detail or {}})
    return out


def case_view(conn: Connection, case_id: str, actor: Actor) -> CaseView:
    """The case page's data; ``forbidden`` outside the actor's section."""
    row = review.load_case(conn, case_id)
    review.require_view(row, actor)
    item = load_catalog().item(row.item_code)
    payload = row.payload
    form = payload.get("form", {})
    subject = _subject(item, row)
    registry: list[RegistryLine] = []
    enrolled: list[dict[str, str]] = []
    kind, version = "none", None
    held: list[DbRow] = []
    if subject is not None:
        held = list(
            conn.execute(
                sa.select(enrolments)
                .where(enrolments.c.id_number == subject)
                .order_by(enrolments.c.insurance_type)
            )
        )
    named = unit_names(conn, _usccs(item, form) | {e.unit_uscc for e in held if e.unit_uscc})
    if subject is not None:
        person = conn.execute(sa.select(persons).where(persons.c.id_number == subject)).first()
        registry, kind = _person_lines(person, item, form, held, named), "person"
        version = int(person.version) if person is not None else None
        enrolled = [
            {
                "insurance": _WORDS.get(e.insurance_type, e.insurance_type),
                "county": division_name(e.county_code),
                "kind": ENROLMENT_KIND.get(e.kind, e.kind),
                "status": ENROLMENT_STATUS.get(e.status, e.status),
                "since": e.since.isoformat(),
                "unit": unit_label(e.unit_uscc, named) if e.unit_uscc else "—",
            }
            for e in held
        ]
    elif row.applicant_kind == "unit":
        unit = conn.execute(sa.select(units).where(units.c.uscc == row.applicant_key)).first()
        registry, kind = _unit_lines(unit, item, form), "unit"
        version = int(unit.version) if unit is not None else None
    events = review.history(conn, row.case_id)
    materials, other = _materials(conn, item, payload, *asked_again(row.status, events))
    actions = review.allowed_actions(row, actor)
    fee_lines, fee_total = _fee(payload)
    station_name = conn.execute(sa.select(stations.c.name).where(stations.c.id == row.station_id)).scalar()
    return CaseView(
        row=row,
        item=item,
        station_name=station_name or row.station_id,
        form=_form(item, form, named),
        registry=registry,
        registry_kind=kind,
        registry_version=version,
        enrolments=enrolled,
        materials=materials,
        other_scans=other,
        collecting_county=division_name(row.county_code),
        registration_county=division_name(row.registration_county),
        registration_rule=RULE_LABELS.get(row.registration_rule or "", row.registration_rule or "—"),
        attribution_flags=list(row.attribution_flags or []),
        fee_lines=fee_lines,
        fee_total=fee_total,
        ledger=_ledger(conn, row.case_id),
        history=_history(events),
        actions=actions,
        blocked=_blocked(row, actor) if not actions else None,
        effect_preview=(
            case_effects.preview(conn, row, at=dt.datetime.now(dt.UTC))
            if CaseEvent.APPROVE in actions
            else None
        ),
    )


def _blocked(row: DbRow, actor: Actor) -> tuple[str, str] | None:
    """The lifecycle's refusal of the step a reviewer would take next, shown before they try."""
    probe = {CaseStatus.ROUTED.value: CaseEvent.CLAIM, CaseStatus.CLAIMED.value: CaseEvent.APPROVE}.get(
        row.status
    )
    if probe is None or actor.role is Role.ADMIN:
        return None
    try:
        transition(review.facts_of(row), probe, actor)
    except TransitionError as exc:
        return exc.code, exc.message
    return None


def scan_of(conn: Connection, case_id: str, sha256: str, actor: Actor) -> dict[str, Any]:
    """The attachment reference of a case the actor may view (``not_found`` when it has none)."""
    from sync_server.errors import ApiError

    row = review.load_case(conn, case_id)
    review.require_view(row, actor)
    for ref in row.payload.get("attachments", []):
        if ref["sha256"] == sha256:
            return dict(ref)
    raise ApiError("not_found", "该案件没有这份材料。", {"sha256": sha256})
