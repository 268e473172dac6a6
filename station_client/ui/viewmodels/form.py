"""A business item's form as the clerk fills it: fields from the catalog, inline problems,
the materials checklist (一次性告知), scans, and the fee before confirming.

Everything is decided by the contract: ``validate_form`` for the fields,
``missing_materials``/``notice_text`` for the materials, ``core.fee_preview`` for the
amount, and ``check_intake`` (the very check intake makes) before confirming. This
module only keeps what was typed and says which message belongs to which field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from schema.cases import MAX_ATTACHMENT_BYTES
from schema.catalog import (
    CatalogItem,
    FieldType,
    FormField,
    Material,
    missing_materials,
    notice_text,
    validate_form,
)
from schema.eligibility import check_eligibility, derive, schemes_held
from schema.errors import IdentifierError
from schema.identifiers import ResidentId, parse_resident_id
from schema.vocabulary import InsuranceType
from station_client.core.fee_preview import FeePreview, preview_fee
from station_client.core.intake_rules import CheckedIntake, IntakeRefused, Notice, ScanMeta, check_intake
from station_client.services.intake import IntakeRequest, Scan
from station_client.ui.viewmodels.desk import INTAKE, SUPPLEMENT, Applicant
from station_client.ui.viewmodels.items import DeskReference

MEDIA_NAMES = {"image/jpeg": "JPG 图片", "image/png": "PNG 图片", "application/pdf": "PDF 文件"}
RADIO_LIMIT = 4  # up to this many short choices are buttons; more are a drop-down list


def sniff(data: bytes) -> str | None:
    """The media type by content (never by the file's name)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_scan(filename: str, data: bytes) -> tuple[str | None, str | None]:
    """(media type, None) for a usable scan, or (None, what is wrong and what to do)."""
    if not data:
        return None, f"文件“{filename}”是空的：请重新扫描后添加。"
    if len(data) > MAX_ATTACHMENT_BYTES:
        mb = len(data) / 1024 / 1024
        return None, (
            f"文件“{filename}”有 {mb:.1f} MB，超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB 的上限："
            "请降低扫描分辨率（如 200 dpi、灰度）或分页扫描后再添加。"
        )
    media = sniff(data)
    if media is None:
        return None, f"文件“{filename}”不是 JPG、PNG 图片或 PDF 文件：请扫描为这三种格式之一后再添加。"
    return media, None


@dataclass
class ScanDraft:
    material_code: str
    filename: str
    media_type: str
    data: bytes = field(repr=False)
    thumbnail: Any = None  # a PIL image made on the worker thread

    @property
    def key(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]

    @property
    def size_text(self) -> str:
        n = len(self.data)
        return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"

    def scan(self) -> Scan:
        return Scan(self.material_code, self.media_type, self.data)


def widget_kind(f: FormField) -> str:
    """Which widget shows the field: entry, text, yesno, radio, combo, multi, division."""
    if f.type == FieldType.LONG_TEXT:
        return "text"
    if f.type == FieldType.BOOLEAN:
        return "yesno"
    if f.type == FieldType.MULTI_CHOICE:
        return "multi"
    if f.type == FieldType.DIVISION:
        return "division"
    if f.type == FieldType.CHOICE:
        short = len(f.choices) <= RADIO_LIMIT and all(len(c.label) <= 8 for c in f.choices)
        return "radio" if short else "combo"
    return "entry"


PLACEHOLDERS = {
    FieldType.DATE: "如 2025-03-01",
    FieldType.MONTH: "如 2025-03",
    FieldType.MONEY: "金额（元）",
    FieldType.PHONE: "手机号或带区号的固定电话",
    FieldType.RESIDENT_ID: "18 位公民身份号码",
    FieldType.USCC: "18 位统一社会信用代码",
    FieldType.BANK_ACCOUNT: "银行卡号或存折账号",
    FieldType.PERCENT: "百分数，如 0.5",
    FieldType.INTEGER: "整数",
}


@dataclass(frozen=True)
class MaterialRow:
    code: str
    name: str
    note: str  # 代办时提供 …
    needed: bool  # applies to the form as filled
    provided: bool
    locked: bool  # handed in before (a supplement): cannot be unticked
    scans: int


@dataclass(frozen=True)
class Verdict:
    values: dict[str, Any]
    errors: dict[str, str]
    warnings: dict[str, str]
    missing: list[Material]
    fee: FeePreview | None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing and (self.fee is None or self.fee.ok)

    def summary(self, item: CatalogItem) -> str:
        """One paragraph for the banner: how many fields to fix and which materials are missing."""
        parts = []
        if self.errors:
            labels = [f.label for f in item.form if f.name in self.errors]
            parts.append(f"有 {len(self.errors)} 处需要更正：{'、'.join(labels) or '见下方红字'}。")
        if self.missing:
            parts.append(
                f"还缺 {len(self.missing)} 项材料：{'、'.join(m.name for m in self.missing)}。请打印一次性告知单交给申请人。"
            )
        if self.fee is not None and not self.fee.ok and self.fee.field not in self.errors:
            parts.append(f"缴费金额无法计算：{self.fee.message}")
        return "".join(parts)


class FormModel:
    def __init__(
        self,
        item: CatalogItem,
        reference: DeskReference,
        applicant: Applicant | None,
        today: date,
        *,
        mode: str = INTAKE,
        initial: Mapping[str, object] | None = None,
        provided: Iterable[str] = (),
        server_problems: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self.item, self.reference, self.applicant, self.today, self.mode = (
            item,
            reference,
            applicant,
            today,
            mode,
        )
        self.initial = dict(initial or {})
        self.raw: dict[str, object] = dict(self.initial)
        self.locked = set(provided) if mode == SUPPLEMENT else set()
        self.provided: set[str] = set(provided)
        self.scans: list[ScanDraft] = []
        self.touched: set[str] = set(self.initial) if mode != INTAKE else set()
        self.server_problems = {
            str(p.get("field")): str(p.get("message", "")) for p in server_problems if p.get("field")
        }
        self.note = ""

    @property
    def fields(self) -> tuple[FormField, ...]:
        """The fields the clerk fills (derived ones are filled by the rules, not shown)."""
        return tuple(f for f in self.item.form if not f.derived)

    def _enrolled(self) -> frozenset[InsuranceType] | None:
        record = self.applicant.record if self.applicant is not None else None
        return None if record is None else schemes_held((e.insurance, e.status) for e in record.enrolments)

    def set_raw(self, name: str, raw: object) -> None:
        old = self.raw.get(name)
        if ("" if old is None else str(old)) != ("" if raw is None else str(raw)):
            self.server_problems.pop(name, None)  # changed: the server's objection no longer applies
        self.raw[name] = raw

    def touch(self, name: str) -> None:
        self.touched.add(name)

    def touch_all(self) -> None:
        self.touched |= {f.name for f in self.fields}

    def _resident(self) -> ResidentId | None:
        if self.applicant is None or not self.applicant.id_number:
            return None
        try:
            return parse_resident_id(self.applicant.id_number, today=self.today)
        except IdentifierError:
            return None

    def filled(self) -> dict[str, object]:
        return {k: v for k, v in self.raw.items() if v is not None and v not in ("", [])}

    def all_provided(self) -> set[str]:
        return self.provided | self.locked | {s.material_code for s in self.scans}

    def verdict(self) -> Verdict:
        result = validate_form(self.item, self.filled(), today=self.today, applicant=self._resident())
        errors: dict[str, str] = {}
        warnings: dict[str, str] = {}
        values = {
            **result.values,
            **derive(self.item, result.values, accepted_on=self.today, rates=self.reference.rates),
        }
        rules = check_eligibility(
            self.item, values, accepted_on=self.today, rates=self.reference.rates, enrolled=self._enrolled()
        )
        for p in (*result.problems, *rules):
            target = errors if p.severity == "error" else warnings
            target.setdefault(p.field, p.message)
        for name, message in self.server_problems.items():
            errors.setdefault(name, f"服务器退回：{message}")
        missing = missing_materials(self.item, self.all_provided(), result.values)
        fee = preview_fee(self.item, result.values, self.reference.rates)
        if fee is not None and not fee.ok and fee.field in {f.name for f in self.fields}:
            errors.setdefault(fee.field, fee.message)  # e.g. a base below the floor: said at the base too
        return Verdict(values, errors, warnings, missing, fee)

    def required_now(self, f: FormField, values: Mapping[str, object]) -> bool:
        return f.required or (f.required_if is not None and f.required_if.holds(values))

    def message(self, name: str, verdict: Verdict) -> tuple[str, str] | None:
        """(text, "error" | "warning") for a field the clerk has been through."""
        if name not in self.touched and name not in self.server_problems:
            return None
        if name in verdict.errors:
            return verdict.errors[name], "error"
        if name in verdict.warnings:
            return verdict.warnings[name], "warning"
        return None

    def materials(self, verdict: Verdict) -> list[MaterialRow]:
        applicable = {m.code for m in self.item.applicable_materials(verdict.values)}
        counts: dict[str, int] = {}
        for s in self.scans:
            counts[s.material_code] = counts.get(s.material_code, 0) + 1
        provided = self.all_provided()
        return [
            MaterialRow(
                m.code,
                m.name,
                "；".join(t for t in (m.condition_text, m.note) if t),
                m.code in applicable,
                m.code in provided,
                m.code in self.locked,
                counts.get(m.code, 0),
            )
            for m in self.item.materials
        ]

    def notice(self, verdict: Verdict) -> str:
        return notice_text(self.item, verdict.missing)

    def add_scan(self, draft: ScanDraft) -> str | None:
        """Add a checked scan; a message when the same file is already attached."""
        if any(s.key == draft.key for s in self.scans):
            return f"“{draft.filename}”已经添加过了。"
        self.scans.append(draft)
        return None

    def remove_scan(self, key: str) -> None:
        self.scans = [s for s in self.scans if s.key != key]

    # ── what goes to the services ───────────────────────────────────────────────────

    def request(self) -> IntakeRequest:
        assert self.applicant is not None
        return IntakeRequest(
            item_code=self.item.code,
            applicant=self.applicant.to_input(),
            form=self.filled(),
            materials_provided=tuple(sorted(self.provided | {s.material_code for s in self.scans})),
            scans=tuple(s.scan() for s in self.scans),
        )

    def final_check(self) -> CheckedIntake:
        """The check intake makes (IntakeRefused listing every problem, or what the case will hold)."""
        request = self.request()
        metas = [ScanMeta(s.material_code, s.media_type, len(s.data)) for s in self.scans]
        return check_intake(
            self.item,
            request.applicant,
            request.form,
            request.materials_provided,
            metas,
            today=self.today,
            rates=self.reference.rates,
            calendar=self.reference.calendar,
            enrolled=self._enrolled(),
        )

    def changes(self) -> dict[str, object]:
        """Fields changed from the case as it was (a supplement or a correction)."""
        return {k: v for k, v in self.filled().items() if self.initial.get(k) != v}

    def new_materials(self) -> tuple[str, ...]:
        return tuple(sorted((self.provided | {s.material_code for s in self.scans}) - self.locked))

    def absorb(self, refused: IntakeRefused) -> dict[str, str]:
        """Field messages from a refusal (by field name; applicant problems under "applicant")."""
        self.touch_all()
        out: dict[str, str] = {}
        for p in refused.problems:
            out.setdefault(_field_of(p), p.message)
        return out


def _field_of(notice: Notice) -> str:
    name = notice.field or ""
    return "applicant" if name.startswith("applicant") else name
