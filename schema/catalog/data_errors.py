"""What each :data:`~schema.catalog.models.CatalogErrorCode` of malformed catalog data says.

The loader's messages name the item and the field; these are the general descriptions
README's table lists (gathered by :mod:`schema.error_codes`). ``catalog_item_unknown``
and ``catalog_invalid`` are described there already.
"""

from __future__ import annotations

from schema.catalog.models import CatalogErrorCode

_FIX = "：请改正目录数据（catalog.json）后重新加载。"

CATALOG_DATA_ERROR_MESSAGES: dict[CatalogErrorCode, str] = {
    "catalog_duplicate_code": "业务目录中有重复的事项编码" + _FIX,
    "catalog_tier_count": "业务目录应有 25 项一般业务和 100 项复杂业务，数目不符" + _FIX,
    "catalog_tier_mismatch": "事项编码与业务类别不符（G 为一般业务，C 为复杂业务）" + _FIX,
    "catalog_section_missing": "复杂业务没有指定后台办结科室" + _FIX,
    "catalog_time_limit_invalid": "复杂业务须由后台办结，承诺时限不能为即办" + _FIX,
    "catalog_form_empty": "事项没有表单字段" + _FIX,
    "catalog_field_duplicate": "事项的表单字段名重复" + _FIX,
    "catalog_material_duplicate": "事项的材料编码重复" + _FIX,
    "catalog_choices_missing": "选择题字段没有选项" + _FIX,
    "catalog_choices_unexpected": "非选择题字段列了选项" + _FIX,
    "catalog_choice_duplicate": "字段的选项值重复" + _FIX,
    "catalog_rule_mismatch": "字段的校验规则不适用于其类型" + _FIX,
    "catalog_default_invalid": "字段的默认值与类型或选项不符" + _FIX,
    "catalog_condition_unknown_field": "条件引用了不存在的字段" + _FIX,
    "catalog_condition_bad_value": "条件所比较的值不是该字段的有效取值" + _FIX,
    "catalog_fee_fields": "收费事项的计费字段与收费方式不符" + _FIX,
    "catalog_registry_fields": "事项所改的参保登记字段列表有误" + _FIX,
}
