"""The business catalog as data: items, their forms, materials and time limits.

The catalog ships as ``schema/data/catalog.json`` and is validated by these models when
it is loaded. Each model checks what it can see alone (types, patterns); the checks
that need context (a condition naming a field of the same item, 25 general and 100
complex items) run in :class:`CatalogItem` and :class:`Catalog` and raise
:class:`~schema.errors.CatalogError` with a stable ``catalog_*`` code that names the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schema.normalize import clean_text
from schema.vocabulary import FeeKind, InsuranceType

CatalogErrorCode = Literal[
    "catalog_item_unknown",  # look-up of a code that is not in the catalog
    "catalog_invalid",  # the data does not fit the models (types, patterns, unknown keys)
    "catalog_duplicate_code",
    "catalog_tier_count",  # not 25 general and 100 complex items
    "catalog_tier_mismatch",  # G code on a complex item or C code on a general one
    "catalog_section_missing",
    "catalog_time_limit_invalid",
    "catalog_form_empty",
    "catalog_field_duplicate",
    "catalog_material_duplicate",
    "catalog_choices_missing",
    "catalog_choices_unexpected",
    "catalog_choice_duplicate",
    "catalog_rule_mismatch",
    "catalog_default_invalid",
    "catalog_condition_unknown_field",
    "catalog_condition_bad_value",
    "catalog_fee_fields",
    "catalog_registry_fields",
]
"""Stable codes of :class:`~schema.errors.CatalogError`."""

FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
ItemCode = Annotated[str, Field(pattern=r"^(G\d{2}|C\d{3})$")]
ScalarValue = str | int | bool
FormValue = str | int | bool | list[str]
"""A normalised form value: text, integer, boolean, or the values of a multi-choice field."""


class ItemGroup(StrEnum):
    """Display groups for the clerk's item picker."""

    PENSION = "pension"
    RESIDENT_PENSION = "resident_pension"
    MEDICAL = "medical"
    MATERNITY = "maternity"
    WORK_INJURY = "work_injury"
    UNEMPLOYMENT = "unemployment"
    CARD = "card"
    UNIT = "unit"
    GENERAL = "general"

    @property
    def label(self) -> str:
        return GROUP_LABELS[self]


GROUP_LABELS: dict[ItemGroup, str] = {
    ItemGroup.PENSION: "养老",
    ItemGroup.RESIDENT_PENSION: "城乡居民养老",
    ItemGroup.MEDICAL: "医疗",
    ItemGroup.MATERNITY: "生育",
    ItemGroup.WORK_INJURY: "工伤",
    ItemGroup.UNEMPLOYMENT: "失业",
    ItemGroup.CARD: "社保卡",
    ItemGroup.UNIT: "单位",
    ItemGroup.GENERAL: "综合",
}


class FieldType(StrEnum):
    """What a form field holds; :mod:`schema.catalog.fields` normalises each kind."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    MONEY = "money"  # yuan, two places
    DATE = "date"
    MONTH = "month"  # YYYY-MM
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    BOOLEAN = "boolean"
    RESIDENT_ID = "resident_id"
    USCC = "uscc"
    PHONE = "phone"  # mainland mobile or landline with area code
    BANK_ACCOUNT = "bank_account"
    DIVISION = "division"  # a Leshan county or township code
    PERCENT = "percent"


CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})
NUMBER_TYPES = frozenset({FieldType.INTEGER, FieldType.MONEY, FieldType.PERCENT})
TEXT_TYPES = frozenset({FieldType.TEXT, FieldType.LONG_TEXT})

# Registry fields an item may change. A closed set, so a typo in the catalog fails at
# load time instead of silently changing nothing on the server.
REGISTRY_FIELDS = frozenset(
    {
        *(f"person.{f}" for f in ("name", "id_number", "birth_date", "sex", "phone", "address")),
        *(f"person.{f}" for f in ("ethnicity", "education", "household_type", "household_division")),
        *(f"person.{f}" for f in ("occupation", "status", "employment", "archive")),
        *(f"enrolment.{t.value}" for t in InsuranceType),
        "contribution.records",
        "contribution.flexible_base",
        "contribution.resident_pension_grade",
        "contribution.subsidy",
        *(f"benefit.{f}" for f in ("pension", "bank_account", "certification", "residence")),
        *(f"benefit.{f}" for f in ("work_injury", "unemployment", "dependants")),
        *(f"card.{f}" for f in ("status", "number", "bank", "region")),
        *(f"unit.{f}" for f in ("registration", "name", "address", "legal_representative", "contact")),
        *(f"unit.{f}" for f in ("bank_account", "insurance_types", "risk_class", "rate_float")),
        *(f"unit.{f}" for f in ("wage_base", "projects")),
        "work_injury.determination",
        "work_injury.disability_level",
        "medical.out_of_area_filing",
        "medical.chronic_disease",
        "medical.family_pool",
        "unemployment.registration",
    }
)

BOOL_WORDS: Mapping[str, bool] = {
    **dict.fromkeys(("true", "1", "yes", "y", "on", "是", "有", "对", "√"), True),
    **dict.fromkeys(("false", "0", "no", "n", "off", "否", "无", "不", "×"), False),
}


def as_bool(value: object) -> bool | None:
    """``True``/``False`` for the ways people and clients write a yes/no, else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return BOOL_WORDS.get(clean_text(value).lower())
    return None


class FrozenModel(BaseModel):
    """Catalog data is immutable and strict: an unknown key in the JSON is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(FrozenModel):
    value: Annotated[str, Field(min_length=1, max_length=40)]
    label: Annotated[str, Field(min_length=1)]


class Condition(FrozenModel):
    """A predicate over one form field, e.g. ``{"field": "by_agent", "equals": true}``.

    ``equals`` compares one value; ``one_of`` holds when the value is any of the listed
    ones. For a multi-choice field either holds when any selected value matches.
    """

    field: FieldName
    equals: ScalarValue | None = None
    one_of: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _exactly_one_test(self) -> Self:
        if (self.equals is None) == (self.one_of is None):
            raise ValueError("a condition needs exactly one of 'equals' and 'one_of'")
        return self

    def holds(self, values: Mapping[str, object]) -> bool:
        """Whether the condition holds for these (normalised or raw) form values."""
        value = values.get(self.field)
        if value is None or value == "":
            return False
        if isinstance(self.equals, bool):
            return as_bool(value) is self.equals
        wanted = {str(self.equals)} if self.one_of is None else set(self.one_of)
        given = value if isinstance(value, list | tuple | set | frozenset) else [value]
        return any(clean_text(str(v)) in wanted for v in given)


class FieldRule(FrozenModel):
    """Validation beyond the field's type. Only the parts that make sense for the type are allowed."""

    min: Decimal | None = None  # integer, money, percent
    max: Decimal | None = None
    min_length: int | None = Field(default=None, ge=1)  # text
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None  # text, matched against the whole normalised value
    pattern_hint: str = ""  # Chinese: what the pattern wants, e.g. "9 位数字或大写字母"
    compact: bool = False  # text: drop spaces and dashes, upper-case (card numbers, document codes)
    not_future: bool = False  # date, month, integer year
    within_days: int | None = Field(default=None, ge=1)  # date: warn when older (statutory deadlines)
    min_age: int | None = Field(default=None, ge=0)  # resident_id: the person's age today
    max_age: int | None = Field(default=None, ge=0)


class FormField(FrozenModel):
    name: FieldName
    label: Annotated[str, Field(min_length=1)]
    type: FieldType
    required: bool = False
    required_if: Condition | None = None  # required only when this holds
    rule: FieldRule = FieldRule()
    choices: tuple[Choice, ...] = ()
    help: str = ""
    default: ScalarValue | None = None
    derived: bool = False  # filled by the rules (schema.eligibility), never typed: forms do not show it

    def choice_label(self, value: str) -> str | None:
        return next((c.label for c in self.choices if c.value == value), None)


class Material(FrozenModel):
    code: FieldName
    name: Annotated[str, Field(min_length=1)]
    requirement: Literal["required", "conditional"] = "required"
    condition: Condition | None = None
    condition_text: str = ""  # Chinese, e.g. "代办时提供"
    note: str = ""

    @model_validator(mode="after")
    def _condition_iff_conditional(self) -> Self:
        conditional = self.requirement == "conditional"
        if conditional != (self.condition is not None) or conditional != bool(self.condition_text):
            raise ValueError("a conditional material needs condition and condition_text; others neither")
        return self

    def applies(self, values: Mapping[str, object]) -> bool:
        return self.condition is None or self.condition.holds(values)


class TimeLimit(FrozenModel):
    """承诺时限 (working days) or 法定时限 (calendar days, e.g. 工伤认定 60 日)."""

    kind: Literal["immediate", "working_days", "calendar_days"]
    days: int = Field(ge=0)
    description: str

    @model_validator(mode="after")
    def _days_match_kind(self) -> Self:
        if (self.kind == "immediate") != (self.days == 0):
            raise ValueError("an immediate limit has 0 days; other limits at least 1")
        return self

    @property
    def label(self) -> str:
        """Short Chinese form: 即办, 5个工作日, 60日."""
        if self.kind == "immediate":
            return "即办"
        return f"{self.days}个工作日" if self.kind == "working_days" else f"{self.days}日"


class AgeRange(FrozenModel):
    """Inclusive age bounds (周岁) for the applicant, e.g. 16–59 for 城乡居民养老参保."""

    min_age: int | None = Field(default=None, ge=0)
    max_age: int | None = Field(default=None, ge=0)


# What each fee kind reads from the form, by field name and type (see schema.fees).
FEE_FIELDS: dict[FeeKind, dict[str, FieldType]] = {
    FeeKind.FLEXIBLE_WORKER: {
        "base": FieldType.MONEY,
        "period_start": FieldType.MONTH,
        "period_end": FieldType.MONTH,
        "include_medical": FieldType.BOOLEAN,
    },
    FeeKind.RESIDENT_PENSION: {"grade": FieldType.CHOICE, "year": FieldType.INTEGER},
}
