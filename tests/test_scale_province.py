"""``audit run`` over two counties: township tasks of both, county reports, a province summary."""

from __future__ import annotations

import json
import logging
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from audit import synth
from audit.cli import main
from audit.partitions import write_partitioned

distributed = pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:The inplace keyword")]
ID_NUMBER = re.compile(r"(?<![\d*])\d{17}[\dX](?![\d*])")


@pytest.fixture(scope="module")
def province_run(tmp_path_factory):
    """Two counties sharing one person; one township of each runs, on a LocalCluster."""
    first, second = synth.iter_counties(seed=11, scale=0.02, counties=2)
    members = second.members.copy()
    members.loc[7, "person_id"] = first.members["person_id"].iloc[100]
    second.members = members
    root = tmp_path_factory.mktemp("prov")
    data = write_partitioned([first, second], root / "data")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        result = CliRunner().invoke(
            main,
            ["run", str(data), "--out", str(root / "run"), "--township", "古坡镇",
             "--township", "629901101", "--scheduler", cluster.scheduler_address],
        )  # fmt: skip
    return result, root / "run", first.members["person_id"].iloc[100]


def test_every_county_and_township_report_is_made(province_run):
    result, run, _ = province_run
    assert result.exit_code == 0, result.output
    assert "province/summary.html" in result.output
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["province"] and m["counties"] == ["620523", "629901"]
    assert m["townships"] == ["620523110", "629901101"] and m["duplicated_ids"] == 1
    assert all(v["status"] == "ok" for v in m["reports"].values())
    assert set(m["reports"]) == {"620523110", "629901101", "620523", "629901",
                                 "620523:data_quality", "620523:sample_design",
                                 "629901:data_quality", "629901:sample_design"}  # fmt: skip
    towns = sorted(p.name for p in (run / "townships").iterdir())
    assert towns == ["620523110-古坡镇", "629901101-新兴镇（合成01）"]
    for t in towns:
        for name in ("report.html", "问题清单.xlsx", "一户一策.xlsx", "入户核查名单.xlsx"):
            assert (run / "townships" / t / name).exists(), (t, name)
    for county in ("620523-甘谷县", "629901-合成县01"):
        assert (run / "counties" / county / "report.html").exists()
        assert (run / "counties" / county / "data" / "dataset.json").exists()
        assert not list((run / "counties" / county / "data").glob("*.parquet"))  # a view
    assert not list(run.parent.glob(".*.partial-*"))


def test_county_results_see_the_person_of_the_other_county(province_run):
    _, run, person = province_run
    for county in ("620523-甘谷县", "629901-合成县01"):
        findings = pd.read_parquet(run / "counties" / county / "findings.parquet")
        id03 = findings[findings["rule_id"] == "ID-03"]
        assert list(id03["person_id"]) == [person], county
        assert findings["township_code"].str.startswith(county[:6]).all()
    everything = pd.read_parquet(run / "findings.parquet")
    assert (everything["rule_id"] == "ID-03").sum() == 2


def test_summary_lists_every_county_and_township_with_its_report_verdict(province_run):
    _, run, _ = province_run
    counties = pd.read_excel(
        run / "province" / "summary.xlsx", sheet_name="各县", dtype=str, engine="calamine"
    )
    towns = pd.read_excel(
        run / "province" / "summary.xlsx", sheet_name="各乡镇", dtype=str, engine="calamine"
    )
    assert list(counties["县"]) == ["甘谷县", "合成县01"] and len(towns) == 30
    assert set(towns.loc[towns["报告"] == "已生成", "乡镇代码"]) == {"620523110", "629901101"}
    for row in counties.itertuples():
        page = (run / "counties" / f"{row.县代码}-{row.县}" / "report.html").read_text("utf-8")
        assert f'class="light {row.研判}"' in page
    town = towns.set_index("乡镇代码").loc["629901101"]
    page = (run / "townships" / "629901101-新兴镇（合成01）" / "report.html").read_text("utf-8")
    assert f'class="light {town["研判"]}"' in page
    html = (run / "province" / "summary.html").read_text(encoding="utf-8")
    assert "<script" not in html and 'lang="zh-CN"' in html and not ID_NUMBER.search(html)
    assert 'href="../townships/629901101-新兴镇（合成01）/report.html"' in html
