"""The business catalog: all 125 items of the integrated teller (综合柜员制), as versioned data.

``schema/data/catalog.json`` is the source of truth; these modules validate and use it::

    models     the parts: field types, form fields, materials, conditions, time limits
    item       CatalogItem and the checks that keep one item consistent
    loader     Catalog (counts, look-ups), load_catalog(), catalog_digest()
    fields     normalising one value by its field type
    problems   Problem, FormResult and the form_* codes with their Chinese messages
    forms      validate_form(): a whole form, with cross-field rules
    materials  missing_materials() and notice_text(): 一次性告知
    effects    ItemEffect: what a finished item does to the records (effect_doc: docs/item_effects.md)

Routing of complex items to back-office sections (业务科室), as recorded in the data:

* 养老保险科: enterprise and institution pensions: retirement, benefits, transfers,
  and the employee side of 城乡衔接 (C009, C014, C019–C027, C029–C036, C039–C041,
  C096–C098).
* 城乡居民养老保险科: residents' pension, run apart from the city's central database by
  the counties' 居保局, including its own 补缴 and 代缴 (C012, C017, C028, C042–C047).
* 医疗保险科 (with maternity, merged into employee medical): C079–C090, C099.
* 工伤保险科: determination, appraisal and benefits (C048–C064, C095).
* 失业保险科: C065–C078, C100.
* 征收稽核科: what fixes who pays how much: unit registration and changes, employee
  registration and deregistration, contribution bases, 补缴, refund applications,
  contribution-record disputes, work-injury risk class and floating rate
  (C001–C007, C010, C011, C013, C015, C016, C093, C094).
* 基金财务科: money moving back into or out of the fund outside a benefit decision:
  recovery of duplicate pension payments and refunds of duplicate personal accounts
  (C037, C038).
* 社会保障卡管理科: card migration and bank change (C091, C092).
* 综合业务科: key personal data (name, ID number, birth date) and death registration,
  which touch every insurance (C008, C018).

General items are finished at the desk; their ``section`` names the section that owns
the data they change, where there is one.
"""

from __future__ import annotations

from schema.catalog.effects import ItemEffect
from schema.catalog.forms import validate_form
from schema.catalog.item import CatalogItem
from schema.catalog.loader import Catalog, catalog_digest, catalog_json, load_catalog, parse_catalog
from schema.catalog.materials import missing_materials, notice_text
from schema.catalog.models import (
    GROUP_LABELS,
    REGISTRY_FIELDS,
    AgeRange,
    CatalogErrorCode,
    Choice,
    Condition,
    FieldRule,
    FieldType,
    FormField,
    FormValue,
    ItemGroup,
    Material,
    TimeLimit,
)
from schema.catalog.problems import FORM_ERROR_MESSAGES, FormErrorCode, FormResult, Problem, Severity

__all__ = [
    "FORM_ERROR_MESSAGES",
    "GROUP_LABELS",
    "REGISTRY_FIELDS",
    "AgeRange",
    "Catalog",
    "CatalogErrorCode",
    "CatalogItem",
    "Choice",
    "Condition",
    "FieldRule",
    "FieldType",
    "FormErrorCode",
    "FormField",
    "FormResult",
    "FormValue",
    "ItemEffect",
    "ItemGroup",
    "Material",
    "Problem",
    "Severity",
    "TimeLimit",
    "catalog_digest",
    "catalog_json",
    "load_catalog",
    "missing_materials",
    "notice_text",
    "parse_catalog",
    "validate_form",
]
