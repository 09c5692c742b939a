"""Township returns: template written, filled in Excel, ingested, idempotent, errors located."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from audit import rules
from audit.errors import InputError
from audit.settings import load_settings
from audit.tracking import (
    Ledger,
    claims_contradicted,
    finding_status,
    ingest_return,
    read_return,
    return_rows,
    write_return_template,
)

TOWN = "620523101"


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def findings(small, settings):
    return rules.run(small, settings)


@pytest.fixture
def template(tmp_path, findings, small, settings):
    names = dict(zip(small.townships["township_code"], small.townships["name"], strict=True))
    return write_return_template(tmp_path / "新兴镇-一户一策.xlsx", findings, settings,
                                 township_code=TOWN, township_names=names,
                                 as_of=dt.date(2024, 4, 8))  # fmt: skip


def fill(path, answers: dict[int, tuple], sheet="一户一策"):
    """Fill rows (1-based data rows) of a sheet with (是否已整改, 整改完成日期, 责任人)."""
    wb = load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    cols = [header.index(h) + 1 for h in ("是否已整改", "整改完成日期", "责任人")]
    for row, values in answers.items():
        for col, value in zip(cols, values, strict=True):
            ws.cell(row=row + 1, column=col, value=value)
    wb.save(path)
    return path


def test_template_has_the_chinese_columns_and_one_row_per_household_rule(template, findings):
    wb = load_workbook(template)
    assert wb.sheetnames == ["一户一策", "问题清单", "填报说明"]
    header = [c.value for c in wb["一户一策"][1]]
    for h in ("户编号", "规则编号", "整改措施", "责任单位", "整改时限", "是否已整改",
              "整改完成日期", "责任人", "备注"):  # fmt: skip
        assert h in header
    assert wb["一户一策"].freeze_panes == "A2"
    town = findings[findings["township_code"] == TOWN]
    rows = return_rows(town, load_settings())
    hh = rows[rows["household_id"].notna()]
    assert wb["一户一策"].max_row - 1 == len(hh)
    assert not hh.duplicated(["household_id", "rule_id"]).any()
    assert set(rows["township_code"]) == {TOWN}
    med = rows[rows["rule_id"] == "MED-01"]
    assert (med["owner_unit"] == "医保局").all()
    assert (med["deadline"] == pd.Timestamp("2024-04-04")).all()
    assert rows["fixed"].eq("").all()


def test_round_trip_records_claims_with_date_and_person(template, tmp_path, findings):
    fill(template, {1: ("是", dt.date(2024, 4, 2), "王建国"), 2: ("否", None, None),
                    3: ("是", "2024/4/3", "李娟")})  # fmt: skip
    claims = read_return(template)
    assert claims["fixed"].tolist() == [True, False, True]
    assert claims["fixed_date"].tolist()[::2] == [pd.Timestamp("2024-04-02"),
                                                  pd.Timestamp("2024-04-03")]  # fmt: skip
    assert claims["person"].tolist()[::2] == ["王建国", "李娟"]
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_run("w1", "2024-03-25", findings)
        got = ingest_return(ledger, template)
        assert not got.duplicate
        assert got.rows == {"returns": 1, "claims": 3, "claimed_fixed": 2, "unmatched": 0}
        stored = ledger.claims()
        assert stored["person"].fillna("").tolist() == ["王建国", "", "李娟"]
        assert stored["township_code"].unique().tolist() == [TOWN]
        assert stored["responsible"].iloc[0] in ("王建国", "李娟")
        s = finding_status(ledger)
        claimed = s[s["status"] == "reported_fixed"]
        keys = set(zip(claimed["household_id"], claimed["rule_id"], strict=True))
        assert keys == set(zip(claims["household_id"][claims["fixed"]],
                               claims["rule_id"][claims["fixed"]], strict=True))  # fmt: skip
        # The next run still finds everything: both claims are contradicted.
        ledger.record_run("w2", "2024-04-08", findings)
        assert len(claims_contradicted(ledger)) == 2


def test_the_same_file_ingested_twice_is_recognised(template, tmp_path, findings):
    fill(template, {1: ("是", dt.date(2024, 4, 2), "王建国")})
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        first = ingest_return(ledger, template)
        again = ingest_return(ledger, template)
        copy = tmp_path / "copy.xlsx"
        copy.write_bytes(template.read_bytes())
        renamed = ingest_return(ledger, copy)
        assert again.duplicate and renamed.duplicate and again.id == first.id
        assert "未重复写入" in again.message
        assert len(ledger.returns()) == 1 and len(ledger.claims()) == 1


@pytest.mark.parametrize(
    "answers, column, message",
    [({2: ("可能", None, None)}, "是否已整改", "只能填"),
     ({4: ("是", "四月初", "王建国")}, "整改完成日期", "无法识别")],
)  # fmt: skip
def test_a_bad_answer_names_file_sheet_row_and_column(template, answers, column, message):
    fill(template, answers)
    with pytest.raises(InputError, match=message) as err:
        read_return(template)
    e = err.value
    assert (e.file, e.sheet, e.column) == (str(template), "一户一策", column)
    assert e.row == next(iter(answers)) + 1  # the data row as numbered in Excel
    assert e.exit_code == 2


def test_a_workbook_without_the_columns_is_refused(tmp_path):
    from audit.excel import write_workbook

    path = write_workbook(tmp_path / "other.xlsx", {"表1": pd.DataFrame({"姓名": ["张三"]})})
    with pytest.raises(InputError, match="户编号"):
        read_return(path)
