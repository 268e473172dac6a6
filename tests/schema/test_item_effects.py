"""Every catalog item declares what it does to the records, and docs/item_effects.md says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schema.catalog import ItemEffect, load_catalog, parse_catalog
from schema.catalog.effect_doc import effect_document
from schema.errors import CatalogError

DOC = Path(__file__).resolve().parents[2] / "docs" / "item_effects.md"
CATALOG = Path(__file__).resolve().parents[2] / "schema" / "data" / "catalog.json"


def test_docs_table_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == effect_document(load_catalog()), (
        "docs/item_effects.md is out of date: run "
        "`.venv/bin/python -m schema.catalog.effect_doc > docs/item_effects.md`"
    )


def test_every_item_must_declare_its_effect() -> None:
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    del data["items"][0]["effect"]
    with pytest.raises(CatalogError) as raised:
        parse_catalog(data)
    assert raised.value.code == "catalog_invalid"
    assert "effect" in raised.value.detail["location"]


def test_an_unknown_effect_is_refused() -> None:
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    data["items"][0]["effect"] = "make_tea"
    with pytest.raises(CatalogError):
        parse_catalog(data)


@pytest.mark.parametrize(
    ("codes", "effect"),
    [
        (("C001", "C002"), ItemEffect.UNIT_OPEN),
        (("C004",), ItemEffect.UNIT_CLOSE),
        (("C005", "C010", "G09", "G12"), ItemEffect.ENROLMENT_START),
        (("C006", "G13"), ItemEffect.ENROLMENT_STOP),
        (("C008",), ItemEffect.KEY_INFO_CORRECTION),
        (("C009", "C026", "C028", "C029"), ItemEffect.TRANSFER),
        (("C011", "C012"), ItemEffect.BACK_PAYMENT),
        (("C013",), ItemEffect.CONTRIBUTION_REFUND),
        (("C018",), ItemEffect.DEATH),
        (("C019", "C020", "C021"), ItemEffect.RETIREMENT),
        (("C023",), ItemEffect.PENSION_GRANT),
        (("C031",), ItemEffect.BENEFIT_SUSPEND),
        (("C032",), ItemEffect.BENEFIT_RESUME),
        (("C045",), ItemEffect.BENEFIT_SUSPEND_OR_RESUME),
        (("C034", "C043"), ItemEffect.FUNERAL_GRANT),
        (("C042",), ItemEffect.RESIDENT_PENSION_GRANT),
        (("C065",), ItemEffect.UNEMPLOYMENT_REGISTRATION),
        (("C066",), ItemEffect.UNEMPLOYMENT_BENEFIT),
        (("G15", "G16", "G19", "G20", "G21", "G22", "G23"), ItemEffect.CARD_STATUS),
        (("G25",), ItemEffect.BANK_ACCOUNT),
        (("G02", "G03", "G04", "G05", "G06", "G07"), ItemEffect.PRINT_RECORDS),
    ],
)
def test_the_issue_examples_declare_their_effect(codes: tuple[str, ...], effect: ItemEffect) -> None:
    catalog = load_catalog()
    assert {code: catalog.item(code).effect for code in codes} == dict.fromkeys(codes, effect)


def test_every_effect_has_words_and_the_vocabulary_is_used() -> None:
    catalog = load_catalog()
    for effect in ItemEffect:
        assert effect.label and effect.description
    used = {item.effect for item in catalog}
    assert used == set(ItemEffect)
