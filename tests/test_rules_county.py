"""The rule engine on the demo county: the speech's figures, the true layer, township slices."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from audit import rules
from audit.cli import main
from audit.dataset import Dataset


@pytest.fixture(scope="module")
def findings(gangu):
    return rules.run(gangu)


def count(findings, rule_id, outcome="fail"):
    f = findings[(findings["rule_id"] == rule_id) & (findings["outcome"] == outcome)]
    return f


def test_recorded_figures_come_out_exactly(findings):
    assert count(findings, "HOUSE-01")["household_id"].nunique() == 240
    assert len(count(findings, "HOUSE-01")) == 240
    assert count(findings, "MED-01")["person_id"].nunique() == 4303
    assert len(count(findings, "MED-02")) == 6813
    hukou = count(findings, "ID-04")
    assert (len(hukou), hukou["household_id"].nunique(), hukou["township_code"].nunique()) == (
        19,
        16,
        10,
    )
    water = count(findings, "VIL-04")
    assert water["village_code"].nunique() == 15


def test_vil04_villages_hold_the_28_water_points(findings, gangu):
    villages = count(findings, "VIL-04")["village_code"]
    v = gangu.villages.set_index("village_code")
    assert v.loc[villages, "water_points_to_fix"].sum() == 28
    assert v.loc[villages, "pipe_km_to_fix"].sum() == pytest.approx(32.0)


def test_zero_dropouts_and_relocation_gaps_in_the_record(findings):
    # The townships reported zero: the record agrees; the truth will not.
    assert count(findings, "EDU-01").empty
    assert count(findings, "HOUSE-02").empty


def truth_dataset(ds) -> Dataset:
    """The demo county as an enumerator would find it (tests only)."""
    hh = ds.households.set_index("household_id")
    th = ds.truth["households"].set_index("household_id")
    hh.update(th.drop(columns=["status", "approves"]))
    members = ds.members.copy()
    tm = ds.truth["members"]
    for col in ("school_status", "medical_insurance", "insurance_exemption"):
        members[col] = tm[col].astype(members[col].dtype).to_numpy()
    return Dataset(ds.townships, ds.villages, hh.reset_index(), members, ds.visits, ds.projects,
                   ds.problems, ds.complaints)  # fmt: skip


def test_true_layer_finds_more_where_the_scenario_hides_problems(findings, gangu):
    true = rules.run(truth_dataset(gangu))
    for rule_id in ("EDU-01", "HOUSE-02", "INC-01"):
        assert len(count(true, rule_id)) > len(count(findings, rule_id)), rule_id
    recorded_fail = rules.household_status(findings, gangu)
    true_fail = rules.household_status(true, gangu)
    assert (true_fail["census"] == "fail").sum() > (recorded_fail["census"] == "fail").sum() * 0.95


def test_township_slice_gives_exactly_its_rows(findings, gangu):
    code = "620523110"
    part = rules.run(gangu.subset([code])).reset_index(drop=True)
    county_rows = findings[findings["township_code"] == code].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, county_rows, check_categorical=False)


def test_edit_statistics_sum_to_findings(findings, gangu):
    stats = rules.edit_statistics(findings, gangu.townships)
    assert stats["fail"].sum() + stats["unknown"].sum() == len(findings)
    assert set(stats["township"].dropna()) <= set(gangu.townships["name"])


def test_check_command_writes_outputs(small_dir, tmp_path):
    out = tmp_path / "check"
    result = CliRunner().invoke(main, ["check", str(small_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "规则审核结果" in result.output
    f = pd.read_parquet(out / "findings.parquet")
    assert len(f) > 0 and set(rules.FINDING_COLUMNS) == set(f.columns)
    xl = pd.read_excel(out / "findings.xlsx", sheet_name=None, engine="calamine")
    sheet = xl["问题明细"]
    assert "问题描述" in sheet.columns and len(sheet) == len(f)
    assert not sheet["证件号码（脱敏）"].dropna().astype(str).str.fullmatch(r"\d{17}[\dX]").any()
    stats = pd.read_excel(out / "规则统计.xlsx", sheet_name=None, engine="calamine")
    assert {"全县按规则", "按乡镇", "数据质量排名"} <= set(stats)


def test_rules_command_and_docs_catalogue_are_current():
    result = CliRunner().invoke(main, ["rules", "--markdown"])
    assert result.exit_code == 0
    doc = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert result.output.strip() in doc, (
        "docs/rules.md is stale: regenerate with `audit rules --markdown`"
    )
    for rule_id in rules.RULES:
        assert f"| {rule_id} |" in doc
