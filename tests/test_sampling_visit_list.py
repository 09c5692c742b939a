"""The 入户核查名单 workbooks."""

import openpyxl
import pandas as pd
import pytest

from audit.sampling import draw, exited_frame, nonregistered_frame, write_visit_lists
from audit.sampling.visit_list import ANSWERS, FILE_NAME, QUESTIONS, visit_list_frame
from audit.schema import TABLES


@pytest.fixture(scope="module")
def drawn(small):
    return pd.concat(
        [draw(nonregistered_frame(small), 80, seed=1), draw(exited_frame(small), 40, seed=1)],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def lists(drawn, small, tmp_path_factory):
    return write_visit_lists(drawn, small, tmp_path_factory.mktemp("lists"))


def test_one_workbook_per_township_with_only_its_households(drawn, small, lists):
    assert set(lists) == set(drawn["township_code"])
    towns = small.townships.set_index("township_code")["name"]
    for code, path in lists.items():
        assert path.name == FILE_NAME
        assert path.parent.name == f"{code}-{towns[code]}"
        ws = openpyxl.load_workbook(path).active
        ids = [r[3] for r in ws.iter_rows(min_row=2, values_only=True)]
        expected = drawn.loc[drawn["township_code"] == code, "household_id"]
        assert sorted(ids) == sorted(expected)


def test_headers_questions_and_validations(lists):
    path = next(iter(lists.values()))
    wb = openpyxl.load_workbook(path)
    ws = wb["入户核查名单"]
    headers = [c.value for c in ws[1]]
    visits = TABLES["visits"]
    for key in QUESTIONS:
        assert visits.column(key).zh in headers  # the visits table's headers: ingestible back
    assert headers[:4] == ["序号", "乡镇", "行政村", "户编号"]
    assert ws.freeze_panes == "F2"
    assert ws.column_dimensions["D"].width >= 18
    approval_col = headers.index("是否认可") + 1
    assert ws.cell(row=1, column=approval_col).comment is not None
    validations = {dv.formula1: dv for dv in ws.data_validations.dataValidation}
    assert '"是,否"' in validations
    letter = openpyxl.utils.get_column_letter(approval_col)
    assert letter in str(validations['"是,否"'].sqref)
    whole = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert whole and whole[0].operator == "greaterThanOrEqual"
    assert "填写说明" in wb.sheetnames
    # ID columns are text, so a spreadsheet never turns them into 6.2E+17
    assert ws.cell(row=2, column=4).number_format == "@"
    assert isinstance(ws.cell(row=2, column=6).value, str)


def test_full_identities_by_default_masked_on_request(drawn, small):
    full = visit_list_frame(drawn, small)
    masked = visit_list_frame(drawn, small, mask=True)
    assert full["head_id"].str.len().eq(18).all()
    assert not full["head_id"].str.contains(r"\*").any()
    assert masked["head_id"].str.match(r"^\d{6}\*{8}[\dX]{4}$").all()
    assert masked["head_name"].str.contains(r"\*").all()
    assert (masked["household_id"] == full["household_id"]).all()


def test_answers_are_what_the_visits_ingestion_reads_as_booleans():
    normalise = pytest.importorskip("audit.ingest.normalise")
    values, problems = normalise.normalise_bools(pd.Series(list(ANSWERS)))
    assert values.tolist() == list(ANSWERS.values())
    assert problems.isna().all()
