"""The runner on the small example Dataset: reports, privacy, one township alone, a failure."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from audit import load_dataset
from audit.cli import main
from audit.runner import ParameterError, run_audit
from audit.runner.parameters import FIXTURE_DIR, check_parameters, reject_unknown

pytestmark = pytest.mark.slow
ID_NUMBER = re.compile(r"(?<![\d*])\d{17}[\dX](?![\d*])")


@pytest.fixture(scope="module")
def full_run(fixture_run):
    """The example Dataset's run (conftest: made once for the whole test run)."""
    return fixture_run


def html_text(path: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", text)


def test_run_makes_every_report_and_the_manifest_last(full_run):
    out = full_run.path
    assert not full_run.failed
    assert (out / "county" / "report.html").exists()
    towns = sorted(p.name for p in (out / "townships").iterdir())
    assert towns == ["620523101-新兴镇", "620523110-古坡镇"]
    for t in towns:
        for name in ("report.html", "问题清单.xlsx", "一户一策.xlsx", "入户核查名单.xlsx"):
            assert (out / "townships" / t / name).exists(), name
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["seed"] == 7 and m["townships"] == ["620523101", "620523110"]
    assert set(m["reports"]) >= {"620523101", "620523110", "county"}
    assert all(v["status"] == "ok" for v in m["reports"].values())
    assert {"kernel_start", "compute", "rendering", "html_export"} <= set(
        m["reports"]["620523101"]["seconds"]
    )
    assert m["inputs"]["households.parquet"] and m["packages"]["pandas"]
    assert not list(out.parent.glob(".*.partial-*"))


def test_reports_hold_no_code_no_remote_script_no_unmasked_id(full_run):
    for page in full_run.path.rglob("*.html"):
        raw = page.read_text(encoding="utf-8")
        assert "<script" not in raw, page
        assert 'lang="zh-CN"' in raw
        assert "import audit" not in raw and "report.open_report" not in raw
        assert 'class="input' not in raw and "In&nbsp;[" not in raw
        assert not ID_NUMBER.search(raw), page
        assert "http://" not in raw.replace("http://www.w3.org", "") and "https://" not in raw


def test_report_first_screen_has_verdict_metrics_and_deadline(full_run):
    text = html_text(full_run.path / "townships" / "620523110-古坡镇" / "report.html")
    for needle in (
        "甘谷县 古坡镇",
        "距6月30日还有 97 天",
        "错退率",
        "漏评率",
        "综合贫困发生率",
        "群众认可度",
        "95%区间",
        "乡镇党委书记（签字）",
        "示意图（非实际边界）",
    ):
        assert needle in text, needle


def test_township_folder_holds_only_its_households(full_run):
    ds = load_dataset(FIXTURE_DIR)
    town_of = ds.households.set_index("household_id")["township_code"]
    for folder in (full_run.path / "townships").iterdir():
        code = folder.name.split("-")[0]
        for book in folder.glob("*.xlsx"):
            for sheet in pd.read_excel(
                book, sheet_name=None, dtype=str, engine="calamine"
            ).values():
                cols = [c for c in sheet.columns if c == "户编号"]
                for c in cols:
                    ids = sheet[c].dropna()
                    ids = ids[ids.isin(town_of.index)]
                    assert (town_of.loc[ids] == code).all(), (book, c)
                for c in [c for c in sheet.columns if "证件号码" in c]:
                    people = sheet[c].dropna()
                    own = ds.members[ds.members["household_id"].map(town_of) == code]["person_id"]
                    assert people.isin(set(own)).all(), (book, c)


def test_one_township_alone_gives_the_same_figures(full_run, tmp_path):
    alone = run_audit(
        FIXTURE_DIR, tmp_path / "alone", townships=["古坡镇"], workers=1, progress=False
    )
    assert sorted(p.name for p in (alone.path / "townships").iterdir()) == ["620523110-古坡镇"]
    for name in ("findings.parquet", "sample.parquet", "estimates_by_township.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(alone.path / name), pd.read_parquet(full_run.path / name)
        )
    a = html_text(alone.path / "townships" / "620523110-古坡镇" / "report.html")
    b = html_text(full_run.path / "townships" / "620523110-古坡镇" / "report.html")
    strip = re.compile(r"运行编号 \S+")
    assert strip.sub("", a) == strip.sub("", b)


def test_a_failing_township_leaves_the_others_complete(tmp_path):
    data = tmp_path / "broken"
    shutil.copytree(FIXTURE_DIR, data)
    ds = load_dataset(data)
    ds.geometry = ds.geometry[ds.geometry["township_code"] != "620523110"]
    ds.save(data)
    result = CliRunner().invoke(
        main, ["run", str(data), "--out", str(tmp_path / "run"), "--workers", "2"]
    )
    assert result.exit_code == 1
    m = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert m["reports"]["620523110"]["status"] == "failed"
    assert m["reports"]["620523110"]["error"]["ename"]
    assert m["reports"]["620523101"]["status"] == "ok"
    assert (tmp_path / "run" / "townships" / "620523101-新兴镇" / "report.html").exists()
    county = html_text(tmp_path / "run" / "county" / "report.html")
    assert "以下乡镇的报告本次生成失败" in county and "古坡镇" in county
    assert "失败" in result.output


def test_unknown_township_and_parameters_are_refused(tmp_path):
    result = CliRunner().invoke(
        main, ["run", str(FIXTURE_DIR), "--out", str(tmp_path / "r"), "--township", "不存在镇"]
    )
    assert result.exit_code == 2 and "不存在镇" in result.output
    assert not (tmp_path / "r").exists()
    from audit.runner.run import NOTEBOOK_DIR

    with pytest.raises(ParameterError, match="colour"):
        reject_unknown(NOTEBOOK_DIR / "township_report.ipynb", {"colour": "red"})
    with pytest.raises(ParameterError) as err:
        check_parameters(seed="7")
    assert err.value.parameter == "seed"
    with pytest.raises(ParameterError) as err:
        check_parameters(data_dir="relative/path")
    assert err.value.parameter == "data_dir"


def test_dask_scheduler_runs_the_same_tasks(full_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = run_audit(
            FIXTURE_DIR,
            tmp_path / "dask",
            townships=["620523110"],
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert not result.failed
    assert (result.path / "townships" / "620523110-古坡镇" / "report.html").exists()
    pd.testing.assert_frame_equal(
        pd.read_parquet(result.path / "findings.parquet"),
        pd.read_parquet(full_run.path / "findings.parquet"),
    )
