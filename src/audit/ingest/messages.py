"""The messages of the ingest report, one per problem key, in Chinese and English.

Each entry gives the severity (``error`` rejects the row, ``warning`` keeps it),
the audit rule the problem belongs to (if any), and templates filled with the
column header (``{header}``), the cell value (``{value}``) and extra details.
"""

from __future__ import annotations

__all__ = ["MESSAGES", "Message", "render"]

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One kind of problem: severity, rule and bilingual templates."""

    severity: str
    zh: str
    en: str
    rule: str = ""


_W, _E = "warning", "error"

MESSAGES: dict[str, Message] = {
    # ID numbers
    "id_mangled": Message(
        _W,
        "身份证号被电子表格存成了数值（{value}），后几位已丢失，无法恢复，须重新录入",
        "the ID number was stored as a number ({value}); its last digits are lost and "
        "cannot be recovered: re-enter it",
        "ID-05",
    ),
    "id_upgraded": Message(
        _W, "15 位旧身份证号已升级为 18 位", "15-digit ID number upgraded to 18 digits"
    ),
    "id_truncated": Message(
        _W,
        "20 位残疾人证号已截取前 18 位作为身份证号",
        "20-digit disability certificate number cut to its first 18 characters",
    ),
    "id_malformed": Message(
        _W,
        "身份证号格式不正确（{value}），已照录，由规则 ID-01 报告",
        "malformed ID number ({value}), kept as typed; rule ID-01 reports it",
        "ID-01",
    ),
    "code_mangled": Message(
        _E,
        "「{header}」被电子表格存成了数值（{value}），后几位已丢失，无法恢复",
        "{header} was stored as a number ({value}); digits are lost and cannot be recovered",
    ),
    "required": Message(
        _E, "必填项「{header}」为空或无效", "required column {header} is empty or invalid"
    ),
    "required_enum": Message(
        _E,
        "必填项「{header}」的值「{value}」不在代码表中（可用值：{allowed}）",
        "required column {header}: {value!r} is not in the code list ({allowed})",
    ),
    # values of other columns: kept as unknown, or rejected with --strict
    "bad_number": Message(
        _W,
        "「{header}」的值「{value}」不是数字，已按空值处理",
        "{header}: {value!r} is not a number; treated as missing",
    ),
    "bad_integer": Message(
        _W,
        "「{header}」的值「{value}」不是整数，已按空值处理",
        "{header}: {value!r} is not a whole number; treated as missing",
    ),
    "bad_unit": Message(
        _W,
        "「{header}」的值「{value}」单位不符，已按空值处理",
        "{header}: {value!r} has the wrong unit; treated as missing",
    ),
    "negative": Message(
        _E,
        "「{header}」的值「{value}」是负数，不可能；该行未导入，请核实后重报",
        "{header}: {value!r} is negative, which is impossible; the row was rejected",
    ),
    "future_date": Message(
        _E,
        "「{header}」的日期「{value}」在未来（晚于今天），不可能；该行未导入，请核实后重报",
        "{header}: {value!r} lies in the future; the row was rejected",
    ),
    "bad_date": Message(
        _W,
        "「{header}」的值「{value}」不是有效日期，已按空值处理",
        "{header}: {value!r} is not a valid date; treated as missing",
    ),
    "bad_bool": Message(
        _W,
        "「{header}」的值「{value}」不是“是/否”，已按空值处理",
        "{header}: {value!r} is not yes/no; treated as missing",
    ),
    "bad_enum": Message(
        _W,
        "「{header}」的值「{value}」不在代码表中，已按空值处理（可用值：{allowed}）",
        "{header}: {value!r} is not in the code list; treated as missing ({allowed})",
    ),
    "bad_value": Message(
        _W,
        "「{header}」的值「{value}」无法识别，已按空值处理",
        "{header}: {value!r} cannot be read; treated as missing",
    ),
    # places
    "unknown_village": Message(
        _E,
        "行政村「{value}」不在本县的行政区划中",
        "village {value!r} is not among the county's villages",
    ),
    "unknown_village_code": Message(
        _E, "村代码「{value}」不在本县的行政区划中", "village code {value!r} is not in the county"
    ),
    "ambiguous_village": Message(
        _E,
        "行政村「{value}」无法唯一确定（有同名或近似名称的村），请填写完整名称、所属乡镇或村代码",
        "village {value!r} matches several villages: give its full name, township or code",
    ),
    "village_not_in_township": Message(
        _E,
        "行政村「{value}」不属于所填乡镇",
        "village {value!r} does not belong to the township given",
    ),
    "unknown_township": Message(
        _E, "乡镇「{value}」不在本县的行政区划中", "township {value!r} is not in the county"
    ),
    "ambiguous_township": Message(
        _E, "乡镇「{value}」有重名", "township name {value!r} is ambiguous"
    ),
    "other_county": Message(
        _E, "县「{value}」不是本县（{county}）", "county {value!r} is not this county ({county})"
    ),
    "township_mismatch": Message(
        _E,
        "乡镇代码「{value}」与村代码所属乡镇不一致",
        "township code {value!r} disagrees with the village code's township",
    ),
    # rows and tables
    "household_conflict": Message(
        _E,
        "同一户（户编号 {key}）各行的「{header}」不一致：{values}",
        "household {key}: {header} differs between its rows: {values}",
    ),
    "duplicate_key": Message(
        _E,
        "{header}「{value}」重复，且各行内容不一致（{values}）",
        "{header} {value!r} is duplicated with differing content ({values})",
    ),
    "repeated_person": Message(
        _E,
        "此人在同一户中已出现在第 {first} 行，本行重复，未导入",
        "this person is already listed in this household on row {first}; row rejected",
    ),
    "orphan_member": Message(
        _E,
        "户编号「{value}」不在已接收的农户中",
        "household {value!r} is not among the accepted households",
    ),
    "visit_unknown_household": Message(
        _E,
        "户编号「{value}」不在数据集的农户中",
        "household {value!r} is not in the Dataset",
    ),
    "visit_not_in_list": Message(
        _E,
        "户编号「{value}」不在入户核查名单中",
        "household {value!r} is not on the visit list",
    ),
    "visit_conflict": Message(
        _E,
        "该户该日期的核查记录已在数据集中，且内容不同（{values}）",
        "a different visit of this household on this date is already in the Dataset ({values})",
    ),
    "visit_present": Message(
        _W,
        "该核查记录已在数据集中，未重复添加",
        "this visit is already in the Dataset; not added twice",
    ),
    "extra_fields": Message(
        _E,
        "该行比表头多出 {count} 个字段（可能有未加引号的逗号）",
        "the row has {count} more fields than the header (an unquoted comma?)",
    ),
    # workbooks are read as data only (formulas not evaluated, macros not run, links not followed)
    "formula_cell": Message(
        _W,
        "单元格是公式，已按其保存的值读取；请复制后「选择性粘贴→数值」",
        "the cell holds a formula; the value saved with it was read (it was not "
        "recalculated): copy the cells and paste them back as values",
    ),
    "formula_no_value": Message(
        _W,
        "单元格是公式，但没有保存的计算结果，已按空值处理；请在 Excel 中重新计算并保存，"
        "或复制后「选择性粘贴→数值」",
        "the cell holds a formula with no saved value; treated as empty: recalculate and "
        "save it in Excel, or paste the cells back as values",
    ),
    "workbook_macros": Message(
        _W,
        "工作簿含宏，宏未运行，只读取了数据",
        "the workbook holds macros; they were not run, only the data was read",
    ),
    "external_links": Message(
        _W,
        "工作簿含外部链接（{detail}），链接未打开也未更新，引用它们的公式按保存的值读取",
        "the workbook links to other files ({detail}); the links were neither opened nor "
        "updated, formulas using them were read as their saved values",
    ),
    "formula_scan_failed": Message(
        _W,
        "无法检查工作表中的公式（{detail}），公式单元格按保存的值读取",
        "cannot look for formulas in the sheet ({detail}); formula cells were read as their "
        "saved values",
    ),
    # sheet notes (never reject a row)
    "totals_row": Message(_W, "合计行，已跳过", "totals row, skipped"),
    "duplicate_header": Message(
        _W,
        "列{header}的表头与{kept}重复，已忽略（以前者为准）",
        "column {header} repeats the header of {kept}; ignored (the first one is read)",
    ),
    "no_header": Message(
        _W, "{header}有数据但没有表头，已忽略", "{header} holds data but has no header; ignored"
    ),
    "sheet_empty": Message(_W, "工作表为空，已跳过", "empty sheet, skipped"),
    "sheet_no_data": Message(
        _W, "工作表只有表头、没有数据行", "the sheet has a header but no data rows"
    ),
    "sheet_unrecognised": Message(
        _W,
        "未能识别该工作表是哪张表（前 10 行中没有足够的已知表头），已跳过",
        "cannot tell which table the sheet holds (too few known headers in its first "
        "10 rows); skipped",
    ),
}


def render(problem: str, **fields) -> tuple[str, str]:
    """Return the Chinese and English message of a problem, filled with ``fields``."""
    msg = MESSAGES[problem]
    values = dict.fromkeys(("header", "value", "allowed", "values", "key", "county", "kept"), "")
    values.update({k: ("" if v is None else v) for k, v in fields.items()})
    return msg.zh.format(**values), msg.en.format(**values)
