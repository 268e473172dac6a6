"""One business item (业务事项) and the checks that keep its parts consistent."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, NoReturn, Self

from pydantic import Field, model_validator

from schema.catalog.effects import ItemEffect
from schema.catalog.models import (
    CHOICE_TYPES,
    FEE_FIELDS,
    NUMBER_TYPES,
    REGISTRY_FIELDS,
    TEXT_TYPES,
    AgeRange,
    CatalogErrorCode,
    Condition,
    FieldType,
    FormField,
    FrozenModel,
    ItemCode,
    ItemGroup,
    Material,
    TimeLimit,
)
from schema.errors import CatalogError
from schema.vocabulary import ApplicantKind, FeeKind, InsuranceType, Section, Tier


def first_duplicate(values: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


class CatalogItem(FrozenModel):
    """A business item: who applies, what the clerk captures, what must be handed in, who finishes it.

    The applicant (a person's ID number and name, or a unit's USCC) travels on the case,
    outside the form; the form holds what is specific to the business, and may name
    other persons or units (``employer_uscc``, ``deceased_id_number``).
    """

    code: ItemCode
    name: Annotated[str, Field(min_length=2)]
    tier: Tier
    group: ItemGroup
    insurance_types: tuple[InsuranceType, ...] = ()
    applicant: ApplicantKind
    section: Section | None = None  # complex: the finishing section; general: the section owning the data
    time_limit: TimeLimit
    materials: tuple[Material, ...] = ()
    form: tuple[FormField, ...]
    fee_kind: FeeKind | None = None
    fee_condition: Condition | None = None  # the fee is collected only when this holds
    effect: ItemEffect  # what a finished case does to the records (schema.catalog.effects)
    changes_registry: bool = False
    registry_fields: tuple[str, ...] = ()
    applicant_age: AgeRange | None = None
    max_period_months: int | None = Field(default=None, ge=1)  # cap on X_start..X_end month spans
    summary: str = ""
    legal_basis: str = ""
    sources: tuple[str, ...] = ()

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.form if f.name == name), None)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.form)

    def collects_fee(self, values: Mapping[str, object]) -> bool:
        """Whether the desk collects money for this item with these form values."""
        if self.fee_kind is None:
            return False
        return self.fee_condition is None or self.fee_condition.holds(values)

    def applicable_materials(self, values: Mapping[str, object]) -> list[Material]:
        """Required materials plus the conditional ones whose condition holds."""
        return [m for m in self.materials if m.applies(values)]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._check_tier()
        self._check_form()
        self._check_conditions()
        self._check_fee()
        self._check_registry()
        return self

    def _fail(self, code: CatalogErrorCode, problem: str, **detail: object) -> NoReturn:
        raise CatalogError(
            code,
            f"业务目录中事项 {self.code}（{self.name}）{problem}：请改正目录数据（catalog.json）后重新加载。",
            {"item": self.code, **detail},
        )

    def _check_tier(self) -> None:
        general = self.code.startswith("G")
        if general != (self.tier == Tier.GENERAL):
            self._fail("catalog_tier_mismatch", "的编码与业务类别不符（G 为一般业务，C 为复杂业务）")
        if self.tier == Tier.COMPLEX:
            if self.section is None:
                self._fail("catalog_section_missing", "是复杂业务，却没有指定后台办结科室")
            if self.time_limit.kind == "immediate":
                self._fail("catalog_time_limit_invalid", "是复杂业务，须由后台办结，承诺时限不能为即办")

    def _check_form(self) -> None:
        if not self.form:
            self._fail("catalog_form_empty", "没有表单字段")
        name = first_duplicate(f.name for f in self.form)
        if name is not None:
            self._fail("catalog_field_duplicate", f"的表单字段名“{name}”重复", field=name)
        code = first_duplicate(m.code for m in self.materials)
        if code is not None:
            self._fail("catalog_material_duplicate", f"的材料编码“{code}”重复", material=code)
        for f in self.form:
            self._check_field(f)

    def _check_field(self, f: FormField) -> None:
        where = f"的字段“{f.name}”"
        values = [c.value for c in f.choices]
        if f.type in CHOICE_TYPES and not f.choices:
            self._fail("catalog_choices_missing", f"{where}是选择题，却没有选项", field=f.name)
        if f.type not in CHOICE_TYPES and f.choices:
            self._fail("catalog_choices_unexpected", f"{where}不是选择题，却列了选项", field=f.name)
        if first_duplicate(values) is not None:
            self._fail("catalog_choice_duplicate", f"{where}的选项值重复", field=f.name)
        r = f.rule
        misplaced = [
            name
            for name, used, allowed in (
                ("min/max", r.min is not None or r.max is not None, f.type in NUMBER_TYPES),
                (
                    "min_length/max_length/pattern/compact",
                    bool(r.min_length or r.max_length or r.pattern or r.compact),
                    f.type in TEXT_TYPES,
                ),
                (
                    "not_future",
                    r.not_future,
                    f.type in (FieldType.DATE, FieldType.MONTH, FieldType.INTEGER),
                ),
                ("within_days", r.within_days is not None, f.type == FieldType.DATE),
                (
                    "min_age/max_age",
                    r.min_age is not None or r.max_age is not None,
                    f.type == FieldType.RESIDENT_ID,
                ),
            )
            if used and not allowed
        ]
        if misplaced:
            self._fail("catalog_rule_mismatch", f"{where}的校验规则 {misplaced[0]} 不适用于 {f.type} 类型")
        if r.pattern is not None:
            try:
                re.compile(r.pattern)
            except re.error:
                self._fail("catalog_rule_mismatch", f"{where}的 pattern 不是有效的正则表达式", field=f.name)
        if f.derived and (f.required or f.required_if is not None):
            self._fail("catalog_rule_mismatch", f"{where}由系统填写，不能设为必填", field=f.name)
        if f.default is not None:
            ok = {
                FieldType.BOOLEAN: isinstance(f.default, bool),
                FieldType.CHOICE: f.default in values,
                FieldType.INTEGER: isinstance(f.default, int) and not isinstance(f.default, bool),
                FieldType.MULTI_CHOICE: False,
            }.get(f.type, isinstance(f.default, str))
            if not ok:
                self._fail("catalog_default_invalid", f"{where}的默认值与类型或选项不符", field=f.name)

    def _check_conditions(self) -> None:
        named: list[tuple[str, Condition]] = [
            *((f"字段“{f.name}”的必填条件", f.required_if) for f in self.form if f.required_if),
            *((f"材料“{m.code}”的条件", m.condition) for m in self.materials if m.condition),
        ]
        if self.fee_condition is not None:
            named.append(("收费条件", self.fee_condition))
        for what, cond in named:
            target = self.field(cond.field)
            if target is None:
                self._fail("catalog_condition_unknown_field", f"的{what}引用了不存在的字段“{cond.field}”")
            if target.type == FieldType.BOOLEAN:
                ok = isinstance(cond.equals, bool)
            elif target.type in CHOICE_TYPES:
                wanted = cond.one_of if cond.one_of is not None else (cond.equals,)
                ok = all(isinstance(w, str) and target.choice_label(w) for w in wanted)
            else:
                ok = not isinstance(cond.equals, bool)
            if not ok:
                self._fail(
                    "catalog_condition_bad_value", f"的{what}所比较的值不是字段“{cond.field}”的有效取值"
                )

    def _check_fee(self) -> None:
        if self.fee_kind is None:
            if self.fee_condition is not None:
                self._fail("catalog_fee_fields", "不收费，却写了收费条件")
            return
        for name, kind in FEE_FIELDS[self.fee_kind].items():
            f = self.field(name)
            if f is None or f.type != kind:
                self._fail("catalog_fee_fields", f"收取费用，表单须有 {kind} 类型的字段“{name}”", field=name)

    def _check_registry(self) -> None:
        if self.changes_registry != bool(self.registry_fields):
            self._fail("catalog_registry_fields", "的 changes_registry 与 registry_fields 不一致")
        unknown = sorted(set(self.registry_fields) - REGISTRY_FIELDS)
        if unknown:
            self._fail("catalog_registry_fields", f"列出了未知的登记字段 {unknown[0]}", fields=unknown)
