"""The business catalog: 125 items as validated data, look-ups, digest, 一次性告知."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, get_args

import pytest

from schema.catalog import (
    Catalog,
    CatalogErrorCode,
    CatalogItem,
    FieldType,
    catalog_digest,
    catalog_json,
    load_catalog,
    missing_materials,
    notice_text,
    parse_catalog,
)
from schema.errors import CatalogError
from schema.rates import load_rates
from schema.vocabulary import FeeKind, Section, Tier

GRADES = ["100", "200", "300", "400", "500", "600", "700", "800", "900", "1000", "1500", "2000", "3000"]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def field_types(item: CatalogItem) -> dict[str, FieldType]:
    return {f.name: f.type for f in item.form}


# --- the catalog as a whole -----------------------------------------------------------------


def test_the_catalog_has_25_general_and_100_complex_items(catalog: Catalog) -> None:
    codes = [item.code for item in catalog]
    assert len(catalog) == 125
    assert codes == [f"G{n:02d}" for n in range(1, 26)] + [f"C{n:03d}" for n in range(1, 101)]
    assert len(catalog.by_tier(Tier.GENERAL)) == 25
    assert len(catalog.by_tier(Tier.COMPLEX)) == 100
    assert catalog.version == "2026.1"


def test_every_complex_item_goes_to_a_section_with_a_positive_time_limit(catalog: Catalog) -> None:
    for item in catalog.by_tier(Tier.COMPLEX):
        assert item.section is not None, item.code
        assert item.time_limit.kind != "immediate", item.code
        assert item.time_limit.days > 0, item.code


def test_time_limits_follow_the_reference_table(catalog: Catalog) -> None:
    def limit(code: str) -> tuple[str, int]:
        t = catalog.item(code).time_limit
        return t.kind, t.days

    assert limit("G02") == ("immediate", 0)  # 即办
    assert limit("C001") == ("working_days", 5)  # 1–5个工作日: the upper bound
    assert limit("C048") == ("calendar_days", 60)  # 法定：受理后60日
    assert limit("C026") == ("working_days", 45)  # 15+15+15个工作日
    assert "15+转出办理15" in catalog.item("C026").time_limit.description
    assert limit("C066") == ("working_days", 10)
    assert limit("C068") == ("working_days", 10)  # 随失业保险金核定
    assert catalog.item("C048").time_limit.label == "60日"


def test_general_items_are_finished_at_the_desk_and_may_name_the_owning_section(catalog: Catalog) -> None:
    assert catalog.item("G01").section is None
    assert catalog.item("G20").section == Section.CARD
    assert all(item.tier == Tier.GENERAL for item in catalog.by_tier(Tier.GENERAL))


def test_sections_route_complex_items_to_the_right_back_office(catalog: Catalog) -> None:
    assert catalog.item("C048").section == Section.WORK_INJURY
    assert catalog.item("C001").section == Section.COLLECTION
    assert catalog.item("C011").section == Section.COLLECTION  # 补缴
    assert catalog.item("C012").section == Section.RESIDENT_PENSION
    assert catalog.item("C008").section == Section.INTEGRATED  # key personal data
    assert catalog.item("C037").section == Section.FINANCE
    assert catalog.item("C066").section == Section.UNEMPLOYMENT
    assert catalog.item("C092").section == Section.CARD
    assert {item.section for item in catalog.by_tier(Tier.COMPLEX)} == set(Section)


def test_items_are_found_by_code_however_typed(catalog: Catalog) -> None:
    assert catalog.item("C048").name == "工伤认定申请"
    assert catalog.item("c48").code == "C048"
    assert catalog.item("Ｇ１４").code == "G14"


def test_an_unknown_code_is_a_catalog_error(catalog: Catalog) -> None:
    with pytest.raises(CatalogError) as err:
        catalog.item("C101")
    assert err.value.code == "catalog_item_unknown"
    assert "C101" in err.value.message


def test_load_catalog_reads_the_file_once() -> None:
    assert load_catalog() is load_catalog()


def test_the_digest_is_stable_and_changes_with_the_content(catalog: Catalog) -> None:
    digest = catalog_digest(catalog)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert catalog_digest(parse_catalog(json.loads(catalog_json(catalog)))) == digest
    assert catalog_digest(catalog.model_copy(update={"version": "2026.2"})) != digest


# --- real forms -----------------------------------------------------------------------------


def test_g14_flexible_worker_base_asks_for_the_base_and_the_months(catalog: Catalog) -> None:
    item = catalog.item("G14")
    assert item.fee_kind == FeeKind.FLEXIBLE_WORKER
    assert field_types(item) == {
        "base": FieldType.MONEY,
        "period_start": FieldType.MONTH,
        "period_end": FieldType.MONTH,
        "include_medical": FieldType.BOOLEAN,
    }
    assert item.max_period_months == 36
    assert catalog.item("G12").fee_kind == FeeKind.FLEXIBLE_WORKER


def test_c048_work_injury_determination_asks_what_happened(catalog: Catalog) -> None:
    item = catalog.item("C048")
    types = field_types(item)
    assert types["injury_date"] == FieldType.DATE
    assert types["employer_uscc"] == FieldType.USCC
    assert types["injury_place"] == FieldType.TEXT
    assert types["circumstances"] == FieldType.LONG_TEXT
    assert types["diagnosis"] == FieldType.TEXT
    relation = item.field("applicant_relation")
    assert relation is not None
    assert [c.label for c in relation.choices] == ["工伤职工本人", "近亲属", "用人单位"]
    assert {m.code for m in item.materials} >= {
        "injury_application",
        "labour_relation_proof",
        "diagnosis_certificate",
    }


def test_g20_asks_for_the_kind_of_loss_report(catalog: Catalog) -> None:
    kind = catalog.item("G20").field("report_kind")
    assert kind is not None and kind.type == FieldType.CHOICE
    assert [c.label for c in kind.choices] == ["临时挂失", "正式挂失", "解挂"]


@pytest.mark.parametrize("code", ["G09", "G10", "C012"])
def test_resident_pension_items_ask_for_grade_and_year(catalog: Catalog, code: str) -> None:
    item = catalog.item(code)
    assert item.fee_kind == FeeKind.RESIDENT_PENSION
    grade = item.field("grade")
    assert grade is not None and [c.value for c in grade.choices] == GRADES
    assert field_types(item)["year"] == FieldType.INTEGER


def test_grade_choices_match_the_rate_table() -> None:
    # The catalog offers exactly the grades the fee maths can price.
    amounts = load_rates().in_force(load_catalog().effective_from).resident_pension.amounts
    assert [str(a) for a in amounts] == GRADES


def test_g10_collects_only_when_paying_now(catalog: Catalog) -> None:
    item = catalog.item("G10")
    assert item.collects_fee({"pay_now": True})
    assert not item.collects_fee({"pay_now": False})
    assert catalog.item("G09").collects_fee({})
    assert not catalog.item("G20").collects_fee({})


def test_registry_changes_are_named(catalog: Catalog) -> None:
    assert catalog.item("G08").registry_fields[:2] == ("person.phone", "person.address")
    assert "enrolment.resident_pension" in catalog.item("G09").registry_fields
    assert catalog.item("G20").registry_fields == ("card.status",)
    assert not catalog.item("G17").changes_registry


# --- validation of catalog data -------------------------------------------------------------


def _data() -> dict[str, Any]:
    return load_catalog().model_dump(mode="json")


def _item(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["code"] == code)


def _duplicate_code(d: dict[str, Any]) -> None:
    d["items"][1]["code"] = "G01"


def _drop_general(d: dict[str, Any]) -> None:
    d["items"].pop(0)


def _no_section(d: dict[str, Any]) -> None:
    _item(d, "C048")["section"] = None


def _immediate_complex(d: dict[str, Any]) -> None:
    _item(d, "C048")["time_limit"] = {"kind": "immediate", "days": 0, "description": "即办"}


def _duplicate_field(d: dict[str, Any]) -> None:
    form = _item(d, "C048")["form"]
    form.append(dict(form[0]))


def _condition_on_missing_field(d: dict[str, Any]) -> None:
    material = next(m for m in _item(d, "G02")["materials"] if m["code"] == "agent_id_card")
    material["condition"] = {"field": "by_proxy", "equals": True}


def _choice_without_choices(d: dict[str, Any]) -> None:
    _item(d, "G20")["form"][0]["choices"] = []


def _fee_without_base(d: dict[str, Any]) -> None:
    item = _item(d, "G14")
    item["form"] = [f for f in item["form"] if f["name"] != "base"]


def _unknown_registry_field(d: dict[str, Any]) -> None:
    _item(d, "G20")["registry_fields"] = ["card.colour"]


def _bad_tier(d: dict[str, Any]) -> None:
    _item(d, "G20")["tier"] = "urgent"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (_duplicate_code, "catalog_duplicate_code"),
        (_drop_general, "catalog_tier_count"),
        (_no_section, "catalog_section_missing"),
        (_immediate_complex, "catalog_time_limit_invalid"),
        (_duplicate_field, "catalog_field_duplicate"),
        (_condition_on_missing_field, "catalog_condition_unknown_field"),
        (_choice_without_choices, "catalog_choices_missing"),
        (_fee_without_base, "catalog_fee_fields"),
        (_unknown_registry_field, "catalog_registry_fields"),
        (_bad_tier, "catalog_invalid"),
    ],
)
def test_malformed_catalog_data_is_refused_with_a_code(
    mutate: Callable[[dict[str, Any]], None], code: str
) -> None:
    data = _data()
    mutate(data)
    with pytest.raises(CatalogError) as err:
        parse_catalog(data)
    assert err.value.code == code
    assert code in get_args(CatalogErrorCode)
    assert "catalog.json" in err.value.message


# --- 一次性告知 -------------------------------------------------------------------------------


def test_missing_materials_lists_required_ones_not_yet_provided(catalog: Catalog) -> None:
    item = catalog.item("G02")
    assert [m.code for m in missing_materials(item, [], {})] == ["id_or_ss_card"]
    assert missing_materials(item, ["id_or_ss_card"], {"by_agent": False}) == []


def test_conditional_materials_are_asked_for_only_when_their_condition_holds(catalog: Catalog) -> None:
    item = catalog.item("G02")
    missing = missing_materials(item, ["id_or_ss_card"], {"by_agent": True})
    assert [m.code for m in missing] == ["agent_id_card", "power_of_attorney"]
    # raw form values work too: the clerk ticked 是
    assert len(missing_materials(item, ["id_or_ss_card"], {"by_agent": "是"})) == 2


def test_a_choice_condition_selects_the_matching_proof(catalog: Catalog) -> None:
    item = catalog.item("C048")
    base = ["injury_application", "labour_relation_proof", "diagnosis_certificate"]
    assert [m.code for m in missing_materials(item, base, {"applicant_relation": "relative"})] == [
        "kinship_proof"
    ]
    assert missing_materials(item, base, {"applicant_relation": "self"}) == []


def test_the_notice_lists_everything_missing_at_once(catalog: Catalog) -> None:
    item = catalog.item("C048")
    missing = missing_materials(item, ["injury_application"], {"applicant_relation": "relative"})
    text = notice_text(item, missing)
    assert "C048 工伤认定申请" in text
    assert "还需提交以下 3 项材料" in text
    for m in missing:
        assert m.name in text
    assert "近亲属申请时提供" in text
    assert "法定：受理后60日内作出认定" in text


def test_the_notice_says_so_when_nothing_is_missing(catalog: Catalog) -> None:
    assert "已齐全" in notice_text(catalog.item("G20"), [])
