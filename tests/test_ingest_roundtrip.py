"""Round trips (Dataset → Excel → ingest), the person-level split, templates and field returns."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit import load_dataset
from audit.cli import main
from audit.codes import ENUMS, REGISTERED
from audit.ingest import export_dataset, export_person_layout, ingest, write_template
from audit.ingest.headers import lookup, normalise_header
from audit.schema import TABLES
from ingest_corpus import base_frame, write_xlsx


def assert_tables_equal(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(
            getattr(a, name).reset_index(drop=True), getattr(b, name), check_exact=True, obj=name
        )


def test_round_trip_export_ingest_is_identical(small, tmp_path):
    path = export_dataset(small, tmp_path / "x")
    result = ingest([path], out=tmp_path / "d")
    assert result.exit_code == 0 and result.rejected == 0
    assert result.issues.empty
    assert_tables_equal(small, result.dataset)
    assert_tables_equal(small, load_dataset(tmp_path / "d"))


def test_round_trip_through_the_cli(small_dir, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["export", str(small_dir), "--out", str(tmp_path / "x")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        main, ["ingest", str(tmp_path / "x" / "数据集.xlsx"), "--out", str(tmp_path / "d")]
    )
    assert r.exit_code == 0, r.output
    assert "接收 4390 行" in r.output
    assert_tables_equal(load_dataset(small_dir), load_dataset(tmp_path / "d"))
    meta = json.loads((tmp_path / "d" / "dataset.json").read_text(encoding="utf-8"))
    [source] = meta["sources"]
    assert source["file"] == "数据集.xlsx" and len(source["sha256"]) == 64


def test_person_level_export_is_split_into_households_and_members(small, tmp_path):
    path = export_person_layout(small, tmp_path / "g1.xlsx")
    result = ingest([path])
    assert result.exit_code == 0
    [s] = result.summary.itertuples()
    assert s.tables == "households+members" and s.header_row == 2
    registered = small.households[small.households["status"].isin(REGISTERED)]
    members = small.members[small.members["household_id"].isin(registered["household_id"])]
    assert s.rows_read == len(members)
    pd.testing.assert_frame_equal(
        result.dataset.households, registered.reset_index(drop=True), obj="households"
    )
    pd.testing.assert_frame_equal(
        result.dataset.members, members.reset_index(drop=True), obj="members"
    )
    # villages and townships come from the reference divisions
    assert len(result.dataset.villages) == 415 and len(result.dataset.townships) == 15


def test_rows_read_equal_accepted_plus_rejected(small, tmp_path):
    frame = base_frame(small, households=10)
    frame.loc[0, "行政村"] = "月球村"  # rejects one row (and its household is incomplete)
    frame.loc[5, "与户主关系"] = "邻居"
    frame.loc[7, "证件号码"] = None
    hid = frame.loc[20, "户编号"]
    frame.loc[frame["户编号"] == hid, "人数"] = range((frame["户编号"] == hid).sum())
    path = write_xlsx(tmp_path / "messy.xlsx", frame)
    result = ingest([path], out=tmp_path / "d")
    assert result.exit_code == 1
    [s] = result.summary.itertuples()
    assert s.rows_read == len(frame) == s.accepted + s.rejected
    assert s.rejected >= 3 + (frame["户编号"] == hid).sum()
    assert len(result.dataset.members) == s.accepted
    rejected_rows = set(result.issues.loc[result.issues["severity"] == "error", "row"])
    assert len(rejected_rows) == s.rejected
    rejects = pd.read_excel(
        tmp_path / "d" / "rejects.xlsx", sheet_name=None, engine="openpyxl", dtype=object
    )
    assert sum(len(f) for f in rejects.values()) == s.rejected
    report = pd.read_excel(
        tmp_path / "d" / "ingest_report.xlsx", sheet_name="汇总", engine="openpyxl"
    )
    assert report.loc[0, "读取行数"] == report.loc[0, "接收行数"] + report.loc[0, "拒收行数"]


def test_template_has_every_table_and_drop_down_lists(tmp_path):
    r = CliRunner().invoke(main, ["template", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "导入模板.xlsx")
    assert wb.sheetnames == ["说明", *(t.zh for t in TABLES.values())]
    for table in TABLES.values():
        ws = wb[table.zh]
        headers = [c.value for c in ws[1]]
        for col, text in zip(table.columns, headers, strict=True):
            assert (table.name, col.name) in lookup(text), text
            assert text.startswith("*") == col.required
        lists = {
            str(dv.sqref).split(":")[0][:-1]: dv.formula1
            for dv in ws.data_validations.dataValidation
        }
        for j, col in enumerate(table.columns):
            letter = ws.cell(row=1, column=j + 1).column_letter
            if col.kind == "enum":
                assert lists[letter].strip('"').split(",") == list(ENUMS[col.enum])
            elif col.kind == "bool":
                assert lists[letter] == '"是,否"'
            else:
                assert letter not in lists


def test_filled_template_ingests(tmp_path):
    path = write_template(tmp_path)
    wb = load_workbook(path)
    ws = wb["扶贫项目"]
    ws.append(["XM-1", "道路硬化", "基础设施类", "工程类", "新兴镇", "姚庄社区", "51.03万元"])
    wb.save(path)
    result = ingest([path])
    assert result.exit_code == 0
    [p] = result.dataset.projects.itertuples()
    assert (p.project_id, p.township_code, p.village_code, p.budget) == (
        "XM-1",
        "620523101",
        "620523101001",
        51.03,
    )
    assert set(result.issues["problem"]) == {"sheet_no_data", "sheet_unrecognised"}


@pytest.fixture
def data_copy(small_dir, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(small_dir, target)
    return target


def visit_return(ds, tmp_path, rows):
    headers = [c.zh for c in TABLES["visits"].columns]
    frame = pd.DataFrame(rows, columns=["户编号", "核查日期", "核查人", "吃饭不愁", "穿衣不愁"])
    frame.insert(0, "户主姓名", "某某")
    frame.insert(0, "序号", range(1, len(frame) + 1))
    assert set(frame.columns[2:]) <= set(headers)
    return write_xlsx(tmp_path / "入户核查名单_回执.xlsx", frame, title_rows=[["入户核查名单"]])


def test_field_returns_add_visits(small, data_copy, tmp_path):
    hh = small.households["household_id"]
    old = small.visits.iloc[0]
    rows = [
        [hh.iloc[0], "2024-04-02", "王伟", "是", "是"],
        [hh.iloc[1], "2024/4/3", "王伟", "否", "是"],
        ["99999999999999999", "2024-04-03", "王伟", "是", "是"],  # not in the Dataset
        [old["household_id"], old["visit_date"].date(), old["visitor"], "是", "是"],
    ]
    path = visit_return(small, tmp_path, rows)
    r = CliRunner().invoke(main, ["ingest", str(path), "--into", str(data_copy)])
    assert r.exit_code == 1, r.output
    ds = load_dataset(data_copy)
    assert len(ds.visits) == len(small.visits) + 2
    added = ds.visits.iloc[-2:]
    assert list(added["household_id"]) == [hh.iloc[0], hh.iloc[1]]
    assert list(added["food_secure"]) == [True, False]
    report = json.loads((data_copy / "ingest_report.json").read_text(encoding="utf-8"))
    problems = {i["problem"]: i for i in report["issues"]}
    assert problems["visit_unknown_household"]["row"] == 5  # title row, header, 3rd return
    assert "visit_conflict" in problems or "visit_present" in problems
    pd.testing.assert_frame_equal(ds.visits.iloc[: len(small.visits)], small.visits)
    for name in ("households", "members", "villages"):
        pd.testing.assert_frame_equal(getattr(ds, name), getattr(small, name))


def test_field_returns_outside_the_list_are_rejected(small, data_copy, tmp_path):
    hh = small.households["household_id"]
    listed = pd.DataFrame({"household_id": [hh.iloc[0]]})
    listed.to_parquet(tmp_path / "list.parquet")
    rows = [
        [hh.iloc[0], "2024-04-02", "王伟", "是", "是"],
        [hh.iloc[1], "2024-04-02", "王伟", "是", "是"],
    ]
    path = visit_return(small, tmp_path, rows)
    r = CliRunner().invoke(
        main,
        ["ingest", str(path), "--into", str(data_copy), "--list", str(tmp_path / "list.parquet")],
    )
    assert r.exit_code == 1, r.output
    ds = load_dataset(data_copy)
    assert len(ds.visits) == len(small.visits) + 1


def test_into_refuses_registry_tables(small, data_copy, tmp_path):
    path = export_person_layout(small, tmp_path / "g1.xlsx")
    before = sorted(p.name for p in data_copy.iterdir())
    r = CliRunner().invoke(main, ["ingest", str(path), "--into", str(data_copy)])
    assert r.exit_code == 2 and "入户核查" in r.output
    assert sorted(p.name for p in data_copy.iterdir()) == before


def test_out_and_into_are_exclusive(tmp_path):
    r = CliRunner().invoke(main, ["ingest", "x.xlsx"])
    assert r.exit_code == 2 and "--out" in r.output


def test_normalised_headers_of_the_schema_are_unambiguous_within_a_table():
    for table in TABLES.values():
        seen = {}
        for col in table.columns:
            for text in (col.zh, *col.aliases):
                key = normalise_header(text)
                assert seen.setdefault(key, col.name) == col.name, (table.name, text)


def test_filled_visit_list_of_the_sampling_module_comes_back(small, data_copy, tmp_path):
    visit_list = pytest.importorskip("audit.sampling.visit_list")
    sample = small.households[["household_id", "village_code", "township_code", "status"]].iloc[
        10:14
    ]
    rows = visit_list.visit_list_frame(sample, small)
    path = visit_list.write_visit_list(rows, tmp_path / "入户核查名单.xlsx", title="新兴镇")
    wb = load_workbook(path)
    ws = wb.active
    headers = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(headers)}
    for r in (2, 3, 4):  # three of four households visited; the fourth left blank
        ws.cell(row=r, column=col["核查日期"], value=pd.Timestamp("2024-04-10").date())
        ws.cell(row=r, column=col["核查人"], value="李明")
        ws.cell(row=r, column=col["吃饭不愁"], value="是")
        ws.cell(row=r, column=col["是否认可"], value="否")
        ws.cell(row=r, column=col["人均日供水量(升)"], value=45.5)
    wb.save(path)
    result = ingest([path], into=data_copy)
    assert result.exit_code == 1  # the unvisited row has no visit date
    [s] = result.summary[result.summary["status"] == "read"].itertuples()
    assert (s.rows_read, s.accepted, s.rejected) == (4, 3, 1)
    [line] = result.issues[result.issues["severity"] == "error"].itertuples()
    assert line.row == 5 and "核查日期" in line.column
    ds = load_dataset(data_copy)
    added = ds.visits.iloc[len(small.visits) :]
    assert list(added["household_id"]) == list(rows["household_id"].iloc[:3])
    assert added["approves"].eq(False).all() and added["water_litres"].eq(45.5).all()
