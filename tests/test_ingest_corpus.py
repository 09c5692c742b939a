"""A corpus of malformed registry exports, made at test time, run through `audit ingest`.

Each case checks the documented outcome: exit status (0 all accepted, 1 rows rejected,
2 unusable input), the report line naming row and column, and that no traceback
reaches the user.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from audit import load_dataset
from audit.cli import main
from audit.ingest.headers import column_letter
from ingest_corpus import base_frame, write_csv, write_xlsx

HEADER_ROW = 1  # base files: header on row 1, first data row on row 2


@pytest.fixture(scope="module")
def base(small):
    return base_frame(small)


def run(*args):
    result = CliRunner().invoke(main, ["ingest", *map(str, args)])
    assert "Traceback" not in result.output
    assert "意外错误" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def report(out):
    return json.loads((out / "ingest_report.json").read_text(encoding="utf-8"))


def issues(out, problem=None):
    lines = report(out)["issues"]
    return [i for i in lines if problem is None or i["problem"] == problem]


def sheet(out, i=0):
    return report(out)["sheets"][i]


def check_invariant(out):
    for s in report(out)["sheets"]:
        assert s["rows_read"] == s["accepted"] + s["rejected"]


# --- encodings ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, base, encoding):
    f = write_csv(tmp_path / "export.csv", base, encoding=encoding)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    s = sheet(tmp_path / "d")
    assert s["rows_read"] == len(base) and s["tables"] == "households+members"
    assert s["encoding"] in ({"gbk": "gb18030"}.get(encoding, encoding), "utf-8-sig", "utf-8")
    ds = load_dataset(tmp_path / "d")
    assert set(ds.members["name"]) == set(base["姓名"])


def test_utf16_tab_separated_text_is_read(tmp_path, base):
    f = write_csv(tmp_path / "unicode.txt", base, encoding="utf-16", delimiter="\t")
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    assert sheet(tmp_path / "d")["rows_read"] == len(base)


@pytest.mark.badinput(
    entry="audit ingest",
    case="文件编码无法识别 / undecodable bytes",
    outcome="exit 2: 无法识别文件编码（已尝试 UTF-8、UTF-16、GBK/GB18030）(file)",
)
def test_undecodable_bytes_exit_2(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_bytes("户编号,证件号码\n".encode() + b"\x81\x30\xff\xfe\xfa\n")
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "编码" in r.output and "bad.csv" in r.output


# --- layout quirks --------------------------------------------------------------


def test_title_rows_shift_row_numbers(tmp_path, base):
    frame = base.copy()
    frame.loc[1, "行政村"] = "不存在村"
    title = [["甘谷县建档立卡贫困户信息表"], ["填报单位：甘谷县乡村振兴局"]]
    f = write_xlsx(tmp_path / "t.xlsx", frame, title_rows=title, merges=["A1:J1"])
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1
    s = sheet(tmp_path / "d")
    assert s["header_row"] == 3
    [bad] = issues(tmp_path / "d", "unknown_village")
    assert bad["row"] == 5  # two title rows, the header, then the second member
    assert bad["column"] == "行政村（D列）" and bad["value"] == "不存在村"


def test_two_row_merged_header(tmp_path, base):
    top = ["基本信息"] * 5 + ["户情况"] * 32 + ["成员情况"] * (len(base.columns) - 37)
    sub = list(base.columns)
    top[0], sub[0] = "序号", None  # 序号 merged vertically over both header rows
    f = write_xlsx(
        tmp_path / "m.xlsx",
        base,
        header_rows=[top, sub],
        merges=["A1:A2", "B1:E1", "F1:AK1"],
    )
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    s = sheet(tmp_path / "d")
    assert s["header_row"] == 1 and s["rows_read"] == len(base)
    assert "序号" in s["ignored_columns"]


def test_totals_and_blank_rows_are_skipped_and_counted(tmp_path, base):
    frame = base.copy()
    blank = pd.DataFrame([[None] * len(frame.columns)], columns=frame.columns)
    total = blank.copy()
    total.iloc[0, 0] = "合计"
    total.loc[0, "人数"] = 99
    frame = pd.concat([frame.iloc[:5], blank, frame.iloc[5:], blank, total], ignore_index=True)
    f = write_xlsx(tmp_path / "t.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    s = sheet(tmp_path / "d")
    assert s["rows_read"] == len(base) and s["blank_rows"] == 2 and s["totals_rows"] == 1
    [note] = issues(tmp_path / "d", "totals_row")
    assert note["row"] == len(frame) + 1


def test_duplicated_header_keeps_the_first(tmp_path, base):
    frame = base.copy()
    frame.insert(len(frame.columns), "证件号码 ", "bogus")
    frame.columns = [*base.columns, "证件号码"]
    f = write_xlsx(tmp_path / "d.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    [dup] = issues(tmp_path / "d", "duplicate_header")
    assert dup["severity"] == "warning" and "证件号码" in dup["column"]
    ds = load_dataset(tmp_path / "d")
    assert "bogus" not in set(ds.members["person_id"])


def test_column_without_header_is_reported(tmp_path, base):
    frame = base.copy()
    frame[""] = "stray"
    f = write_xlsx(tmp_path / "n.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0
    assert issues(tmp_path / "d", "no_header")


def test_unknown_columns_are_listed_as_ignored(tmp_path, base):
    frame = base.assign(自然村="上庄", 备用字段="x")
    f = write_xlsx(tmp_path / "u.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0
    ignored = sheet(tmp_path / "d")["ignored_columns"]
    assert "自然村" in ignored and "备用字段" in ignored


# --- IDs --------------------------------------------------------------------------


@pytest.mark.badinput(
    entry="audit ingest",
    case="身份证号被 Excel 存成数值 6.2E+17 / an ID mangled into a float",
    outcome="exit 0: kept as typed, flagged ID-05 (row, column 证件号码（X列）), never guessed",
)
def test_float_mangled_id_is_flagged_id05_not_repaired(tmp_path, base):
    frame = base.copy()
    frame.loc[2, "证件号码"] = float(frame.loc[2, "证件号码"][:17] + "0")
    f = write_xlsx(tmp_path / "f.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    [line] = issues(tmp_path / "d", "id_mangled")
    assert line["rule"] == "ID-05" and line["row"] == HEADER_ROW + 3
    letter = column_letter(list(base.columns).index("证件号码"))
    assert line["column"] == f"证件号码（{letter}列）"
    ds = load_dataset(tmp_path / "d")
    kept = ds.members["person_id"].iloc[2]
    assert kept.endswith("E+17") and kept not in set(base["证件号码"])


@pytest.mark.badinput(
    entry="audit ingest",
    case="身份证号末三位被 Excel 清零 / an ID with a zeroed tail",
    outcome="exit 0: flagged ID-05 naming row and column",
)
def test_zeroed_tail_id_is_flagged_id05(tmp_path, base):
    frame = base.copy()
    frame.loc[0, "证件号码"] = frame.loc[0, "证件号码"][:15] + "000"
    f = write_csv(tmp_path / "z.csv", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0
    [line] = issues(tmp_path / "d", "id_mangled")
    assert line["row"] == 2 and line["value"].endswith("000")


def test_messy_but_valid_ids_are_cleaned(tmp_path, base):
    frame = base.copy()
    pid = frame.loc[0, "证件号码"]
    frame.loc[0, "证件号码"] = (
        " "
        + pid[:6]
        + " "
        + pid[6:].translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    )
    born19 = next(i for i in range(3, len(frame)) if frame.loc[i, "证件号码"][6:8] == "19")
    other = frame.loc[born19, "证件号码"]  # its own ID, in the old 15-digit form
    frame.loc[born19, "证件号码"] = other[:6] + other[8:17]
    frame.loc[2, "证件号码"] = frame.loc[2, "证件号码"] + "12"  # 20-digit disability card
    f = write_xlsx(tmp_path / "c.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0
    ds = load_dataset(tmp_path / "d")
    assert ds.members["person_id"].iloc[0] == pid
    assert ds.members["person_id"].iloc[2] == base.loc[2, "证件号码"]
    assert ds.members["person_id"].iloc[born19] == other
    assert len(issues(tmp_path / "d", "id_upgraded")) == 1
    assert len(issues(tmp_path / "d", "id_truncated")) == 1


@pytest.mark.badinput(
    entry="audit ingest",
    case="证件号码为空 / a blank ID number",
    outcome="exit 1: the row is rejected (row, column); read = accepted + rejected",
)
def test_blank_id_rejects_the_row(tmp_path, base):
    frame = base.copy()
    frame.loc[4, "证件号码"] = "  "
    f = write_xlsx(tmp_path / "b.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1
    [line] = issues(tmp_path / "d", "required")
    assert line["row"] == 6 and line["severity"] == "error"
    s = sheet(tmp_path / "d")
    assert s["rejected"] == 1 and s["accepted"] == len(base) - 1
    check_invariant(tmp_path / "d")


# --- values -----------------------------------------------------------------------


def test_wrong_types_warn_and_strict_rejects(tmp_path, base):
    frame = base.copy()
    frame["人均纯收入"] = frame["人均纯收入"].astype(object)
    frame.loc[0:, "人均纯收入"] = "不详"  # every row of the household: stays consistent
    frame.loc[3, "出生日期"] = "2024-02-30"
    frame.loc[4, "是否持残疾证"] = "也许"
    f = write_xlsx(tmp_path / "w.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0
    problems = {i["problem"] for i in issues(tmp_path / "d")}
    assert {"bad_number", "bad_date", "bad_bool"} <= problems
    ds = load_dataset(tmp_path / "d")
    assert ds.households["net_income_per_capita"].isna().all()
    r = run(f, "--out", tmp_path / "s", "--strict")
    assert r.exit_code == 1
    assert sheet(tmp_path / "s")["rejected"] == len(base)


def test_numbers_with_units_and_separators(tmp_path, base):
    frame = base.copy()
    hid = frame.loc[0, "户编号"]
    rows = frame["户编号"] == hid
    frame.loc[rows, "纯收入(元)"] = "２９，９４６元"
    frame.loc[rows, "工资性收入"] = "0.00万元"
    f = write_xlsx(tmp_path / "n.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    ds = load_dataset(tmp_path / "d")
    hh = ds.households.set_index("household_id").loc[hid]
    assert hh["net_income"] == 29946.0 and hh["income_wage"] == 0.0


@pytest.mark.badinput(
    entry="audit ingest",
    case="与户主关系不在代码表内 / a relation outside the code list",
    outcome="exit 1: row rejected; the message lists the allowed values",
)
def test_relation_outside_the_code_list_rejects(tmp_path, base):
    frame = base.copy()
    frame.loc[1, "与户主关系"] = "邻居"
    f = write_xlsx(tmp_path / "r.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1
    [line] = issues(tmp_path / "d", "required_enum")
    assert line["row"] == 3 and line["value"] == "邻居" and "之子" in line["message_zh"]


def test_synonyms_and_codes_are_mapped(tmp_path, base):
    frame = base.copy()
    frame["性别"] = frame["性别"].map({"男": 1, "女": 2})
    frame["基本医疗保险"] = "新农合"
    frame["是否有户籍"] = "√"
    f = write_xlsx(tmp_path / "s.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0
    ds = load_dataset(tmp_path / "d")
    assert list(ds.members["sex"]) == list(base["性别"])
    assert set(ds.members["medical_insurance"]) == {"城乡居民基本医疗保险"}
    assert ds.members["hukou_registered"].all()


# --- places -----------------------------------------------------------------------


@pytest.mark.badinput(
    entry="audit ingest",
    case="村名不存在（GBK CSV）/ an unknown village",
    outcome="exit 1: row rejected naming 第8行, 行政村（D列）",
)
def test_unknown_village_rejects_with_row_and_column(tmp_path, base):
    frame = base.copy()
    frame.loc[6, "行政村"] = "月球村"
    f = write_csv(tmp_path / "v.csv", frame, encoding="gbk")
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1
    [line] = issues(tmp_path / "d", "unknown_village")
    assert line["row"] == 8 and line["column"] == "行政村（D列）" and "月球村" in line["message_zh"]
    assert "v.csv" in r.output and "第8行" in r.output


@pytest.mark.badinput(
    entry="audit ingest",
    case="别的县的村 / villages of another county",
    outcome="exit 1: every row rejected as other_county",
)
def test_village_of_another_county_rejects(tmp_path, base):
    frame = base.copy()
    frame["县(市、区、旗)"] = "秦安县"
    f = write_xlsx(tmp_path / "c.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1
    assert len(issues(tmp_path / "d", "other_county")) == len(base)


def test_short_village_names_resolve(tmp_path, base):
    frame = base.copy()
    frame["行政村"] = (
        frame["行政村"].str.replace("居民委员会", "社区").str.replace("村民委员会", "村")
    )
    f = write_xlsx(tmp_path / "s.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output


# --- households -------------------------------------------------------------------


@pytest.mark.badinput(
    entry="audit ingest",
    case="同一户的户级信息前后不一致 / a household's rows disagree",
    outcome="exit 1: the household's rows rejected naming each differing column",
)
def test_household_columns_must_agree(tmp_path, base):
    frame = base.copy()
    hid = frame.loc[0, "户编号"]
    rows = frame.index[frame["户编号"] == hid]
    frame.loc[rows[-1], "人均纯收入"] = 1.0
    f = write_xlsx(tmp_path / "h.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1
    lines = issues(tmp_path / "d", "household_conflict")
    assert sorted(i["row"] for i in lines) == [int(x) + 2 for x in rows]
    assert "人均纯收入" in lines[0]["message_zh"] and hid in lines[0]["message_zh"]
    ds = load_dataset(tmp_path / "d")
    assert hid not in set(ds.households["household_id"])
    assert hid not in set(ds.members["household_id"])
    check_invariant(tmp_path / "d")


@pytest.mark.badinput(
    entry="audit ingest",
    case="成员的户编号不在农户表中 / members of unknown households",
    outcome="exit 1: member rows rejected (row, column 户编号)",
)
def test_members_of_unknown_households_are_rejected(tmp_path, base, small):
    hh_cols = ["户编号", "行政村", "乡(镇)", "人数"]
    households = base[hh_cols].drop_duplicates("户编号").iloc[1:]
    members = base[["户编号", "证件号码", "姓名", "与户主关系"]]
    f1 = write_xlsx(tmp_path / "hh.xlsx", households)
    f2 = write_csv(tmp_path / "mm.csv", members)
    r = run(f1, f2, "--out", tmp_path / "d")
    assert r.exit_code == 1
    first = base.loc[0, "户编号"]
    lines = issues(tmp_path / "d", "orphan_member")
    assert len(lines) == (base["户编号"] == first).sum()
    assert {i["file"] for i in lines} == {str(f2)}


# --- unusable input (exit 2, nothing written) -------------------------------------


@pytest.mark.badinput(
    entry="audit ingest",
    case="被截断的 xlsx / a truncated workbook",
    outcome="exit 2: 无法读取工作簿（文件损坏、被截断…）(file); earlier output untouched",
)
def test_truncated_xlsx_exit_2_and_output_untouched(tmp_path, base):
    good = write_xlsx(tmp_path / "good.xlsx", base)
    data = good.read_bytes()
    bad = tmp_path / "truncated.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    out = tmp_path / "existing"
    out.mkdir()
    (out / "keep.txt").write_text("earlier output")
    r = run(good, bad, "--out", out)
    assert r.exit_code == 2
    assert "truncated.xlsx" in r.output and "截断" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


@pytest.mark.badinput(
    entry="audit ingest",
    case="CSV 引号未闭合 / a CSV with a stray quote",
    outcome="exit 2: CSV 格式错误：第 N 条记录有未闭合的引号 (file, row)",
)
def test_csv_with_stray_quote_exit_2(tmp_path, base):
    f = write_csv(tmp_path / "q.csv", base)
    lines = f.read_bytes().decode("utf-8").split("\r\n")
    lines[4] = '"' + lines[4]
    f.write_bytes("\r\n".join(lines).encode("utf-8"))
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 2
    assert "引号" in r.output and "q.csv" in r.output and "第 5 条记录" in r.output
    assert not (tmp_path / "d").exists()


@pytest.mark.badinput(
    entry="audit ingest",
    case="CSV 某行多出字段 / a CSV row with extra fields",
    outcome="exit 1: the row is rejected naming it",
)
def test_csv_row_with_extra_fields_is_rejected(tmp_path, base):
    f = write_csv(tmp_path / "e.csv", base)
    lines = f.read_bytes().decode("utf-8").split("\r\n")
    lines[3] = lines[3] + ",多余,字段"
    f.write_bytes("\r\n".join(lines).encode("utf-8"))
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 1
    [line] = issues(tmp_path / "d", "extra_fields")
    assert line["row"] == 4


@pytest.mark.badinput(
    entry="audit ingest",
    case="缺少必需的列 / a required column missing",
    outcome="exit 2: names the missing column (file, sheet)",
)
def test_missing_required_column_exit_2(tmp_path, base):
    f = write_xlsx(tmp_path / "m.xlsx", base.drop(columns="与户主关系"))
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "与户主关系" in r.output and "m.xlsx" in r.output
    assert not (tmp_path / "d").exists()


@pytest.mark.badinput(
    entry="audit ingest",
    case="空文件、只有表头 / empty file, header only",
    outcome="exit 2: 文件为空 / 没有数据行 (file); nothing written",
)
def test_empty_inputs_exit_2(tmp_path, base):
    empty_csv = tmp_path / "empty.csv"
    empty_csv.write_bytes(b"")
    r = run(empty_csv, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "为空" in r.output
    empty_xlsx = write_xlsx(tmp_path / "empty.xlsx", None)
    r = run(empty_xlsx, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "为空" in r.output
    header_only = write_xlsx(tmp_path / "h.xlsx", base.iloc[:0])
    r = run(header_only, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "没有数据行" in r.output
    assert not (tmp_path / "d").exists()


def test_empty_sheet_next_to_a_good_one_is_a_warning(tmp_path, base):
    f = write_xlsx(tmp_path / "two.xlsx", base, extra_sheets={"空表": [], "说明": [["填表说明"]]})
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 0
    problems = [i["problem"] for i in issues(tmp_path / "d")]
    assert "sheet_empty" in problems and "sheet_unrecognised" in problems


@pytest.mark.badinput(
    entry="audit ingest",
    case="无法识别的表格 / no recognisable table",
    outcome="exit 2: 找不到可识别的表 (file)",
)
def test_no_recognisable_table_exit_2(tmp_path):
    frame = pd.DataFrame({"日期": ["2024-03-01"], "天气": ["晴"], "气温": [12]})
    f = write_xlsx(tmp_path / "weather.xlsx", frame)
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "找不到" in r.output and "weather.xlsx" in r.output


@pytest.mark.badinput(
    entry="audit ingest",
    case="不是电子表格（PDF 改名）/ not a spreadsheet",
    outcome="exit 2: 文件不是文本文件（CSV），也不是可识别的 Excel 文件 (file)",
)
def test_not_a_spreadsheet_exit_2(tmp_path):
    f = tmp_path / "fake.xlsx"
    f.write_text("this is not a workbook", encoding="utf-8")
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "fake.xlsx" in r.output


@pytest.mark.badinput(
    entry="audit ingest",
    case="普通 zip 改名为 .xlsx / a zip that is not a workbook",
    outcome="exit 2: 无法读取工作簿 (file)",
)
def test_zip_that_is_not_a_workbook_exit_2(tmp_path):
    f = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("hello.txt", "hi")
    r = run(f, "--out", tmp_path / "d")
    assert r.exit_code == 2 and "archive.xlsx" in r.output


@pytest.mark.badinput(
    entry="audit ingest",
    case="文件不存在 / a missing file",
    outcome="exit 2: 文件不存在 (file)",
)
def test_missing_file_exit_2(tmp_path):
    r = run(tmp_path / "nope.xlsx", "--out", tmp_path / "d")
    assert r.exit_code == 2 and "不存在" in r.output


def test_rejects_file_can_be_fixed_and_ingested_again(tmp_path, base):
    frame = base.copy()
    frame.loc[1, "行政村"] = "月球村"
    f = write_xlsx(tmp_path / "r.xlsx", frame)
    assert run(f, "--out", tmp_path / "d").exit_code == 1
    rejects = pd.read_excel(
        tmp_path / "d" / "rejects.xlsx", sheet_name=None, dtype=object, engine="openpyxl"
    )
    [(_, rej)] = rejects.items()
    assert list(rej["原行号"]) == [3] and "月球村" in rej["拒收原因"].iloc[0]
    rej.loc[:, "行政村"] = base.loc[1, "行政村"]
    rej["证件号码"] = rej["证件号码"].astype(str)
    rej["户编号"] = rej["户编号"].astype(str)
    fixed = write_xlsx(tmp_path / "fixed.xlsx", rej.replace({np.nan: None}))
    r = run(fixed, "--out", tmp_path / "e")
    assert r.exit_code == 0, r.output
