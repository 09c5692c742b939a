"""Determinism: the same inputs and seed give the same results, with 1 or 2 workers.

``compare_runs`` is checked first on a small hand-made run folder (it must see a
changed number, a changed report sentence and a changed Excel cell, and nothing
else), so that the slow test on the whole demo cannot pass vacuously.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from audit import load_dataset
from audit.cli import main
from audit.privacy_scan import scan
from audit.runner.compare import compare_runs, derived_files, report_text

TOWN = "townships/620523110-古坡镇"
REPORT = """<!DOCTYPE html><html lang="zh-CN"><head><title>甘谷县 古坡镇 普查准备度审计报告</title>
<style>body {{ font-family: sans-serif; }}</style></head><body>
<header><div class="title">甘谷县 古坡镇 普查准备度审计报告</div>
<span>数据截至 2024-03-25</span>
<span>运行编号 {run_id}</span></header>
<p>预计普查发现问题户 <b>9</b> 户（80%区间 8–10）。</p>
<p>错退率 17.1%，95%区间 [10.7%, 25.2%]。</p>
<img src="data:image/png;base64,{image}">
<table><tr><th>指标</th><th>户数</th></tr><tr><td>住房安全</td><td>3</td></tr></table>
<p>输出文件夹 {out}</p>
<footer>本报告由普查准备度审计工作簿自动生成；用时 {seconds} 秒。</footer>
</body></html>"""


def make_run(folder: Path, *, run_id: str = "a", seconds: float = 1.5) -> Path:
    """A small run folder with the kinds of files a real run has."""
    (folder / "county").mkdir(parents=True)
    (folder / TOWN).mkdir(parents=True)
    (folder / "notebooks").mkdir()
    (folder / "logs").mkdir()
    estimates = {"metric": ["错退率", "漏评率"], "estimate": [0.171, 0.025], "n": [43, 161]}
    pd.DataFrame(estimates).to_parquet(folder / "estimates.parquet", index=False)
    pd.DataFrame({"township_code": ["620523110"], "expected": [9.0]}).to_parquet(
        folder / "county" / "summary.parquet", index=False
    )
    manifest = {
        "run_id": run_id,
        "created": f"2024-03-25T10:00:{int(seconds):02d}",
        "data_dir": str(folder.parent / f"data-{run_id}"),
        "git_commit": run_id * 8,
        "packages": {"pandas": run_id},
        "timings": {"total": seconds},
        "seed": 7,
        "inputs": {"households.parquet": "0" * 64},
        "reports": {"620523110": {"status": "ok", "error": {}, "seconds": {"html": seconds}}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / TOWN / "report.html").write_text(
        REPORT.format(run_id=run_id, image=run_id * 40, out=folder, seconds=seconds),
        encoding="utf-8",
    )
    wb = Workbook()
    wb.active.title = "问题清单"
    wb.active.append(["户编号", "问题", "整改时限"])
    wb.active.append(["62052311000100001", "住房不安全", "2024-04-30"])
    wb.create_sheet("户级问题").append(["户数", 3])
    wb.save(folder / TOWN / "问题清单.xlsx")
    (folder / "notebooks" / "x.ipynb").write_text(f'{{"run": "{run_id}"}}', encoding="utf-8")
    (folder / "logs" / "x.log").write_text(f"{seconds} s\n", encoding="utf-8")
    return folder


@pytest.fixture
def pair(tmp_path):
    return make_run(tmp_path / "a", run_id="a"), make_run(tmp_path / "b", run_id="b", seconds=9.25)


def test_runs_differing_only_in_run_id_times_paths_and_notebooks_are_identical(pair):
    a, b = pair
    assert derived_files(a) == [
        "county/summary.parquet",
        "estimates.parquet",
        "manifest.json",
        f"{TOWN}/report.html",
        f"{TOWN}/问题清单.xlsx",
    ]
    assert compare_runs(a, b) == []
    text = report_text(a / TOWN / "report.html")
    assert "预计普查发现问题户 9 户（80%区间 8–10）。" in text
    assert "指标 | 户数" in text and "数据截至 2024-03-25 运行编号 <RUN_ID>" in text
    assert not any("base64" in line or "font-family" in line for line in text)


def test_a_changed_number_is_found(pair):
    a, b = pair
    frame = pd.read_parquet(b / "estimates.parquet")
    frame.loc[1, "estimate"] = 0.026
    frame.to_parquet(b / "estimates.parquet", index=False)
    (d,) = compare_runs(a, b)
    assert (d.path, d.kind, d.a, d.b) == ("estimates.parquet", "table", "0.025", "0.026")
    assert "estimate" in d.where and "第 2 行" in d.where
    manifest = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    manifest["seed"] = 8
    (b / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert [(d.path, d.where) for d in compare_runs(a, b, files=["*.json"])] == [
        ("manifest.json", "seed")
    ]


def test_a_changed_report_sentence_is_found(pair):
    a, b = pair
    page = b / TOWN / "report.html"
    page.write_text(page.read_text(encoding="utf-8").replace("17.1%", "17.2%"), encoding="utf-8")
    (d,) = compare_runs(a, b)
    assert d.path == f"{TOWN}/report.html" and d.kind == "report"
    assert "17.1%" in d.a and "17.2%" in d.b


def test_a_changed_excel_cell_is_found(pair):
    a, b = pair
    book = b / TOWN / "问题清单.xlsx"
    wb = load_workbook(book)
    wb["户级问题"]["B1"] = 4
    wb.save(book)
    (d,) = compare_runs(a, b)
    assert (d.path, d.kind, d.where, d.a, d.b) == (f"{TOWN}/问题清单.xlsx", "xlsx", "户级问题!B1",
                                                   "3", "4")  # fmt: skip


def test_missing_files_and_restriction_to_some_files(pair):
    a, b = pair
    shutil.rmtree(b / "county")
    diffs = compare_runs(a, b)
    assert [(d.path, d.kind, d.a, d.b) for d in diffs] == [
        ("county/summary.parquet", "missing", "有", "缺少")
    ]
    assert compare_runs(a, b, files=["*.parquet"]) == diffs
    assert compare_runs(a, b, files=["estimates.parquet", f"{TOWN}/*"]) == []


def test_the_compare_command_says_so_in_chinese_and_by_its_exit_status(pair):
    a, b = pair
    same = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert same.exit_code == 0 and "结果相同" in same.output
    frame = pd.read_parquet(b / "estimates.parquet").assign(n=[43, 160])
    frame.to_parquet(b / "estimates.parquet", index=False)
    differ = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert differ.exit_code == 1
    assert "结果不同" in differ.output and "estimates.parquet" in differ.output
    assert "161 ≠ 160" in differ.output
    only = CliRunner().invoke(main, ["compare", str(a), str(b), "--only", f"{TOWN}/*"])
    assert only.exit_code == 0, only.output


# -- the whole demo, twice ----------------------------------------------------------------
def _demo(out: Path, workers: int) -> subprocess.Popen:
    """Start ``audit demo`` in a subprocess of its own process group."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "audit", "demo", "--out", str(out), "--workers", str(workers)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


@pytest.mark.slow
def test_the_demo_gives_identical_results_with_one_and_two_workers(tmp_path):
    # Both at once (this halves the test's time on two cores and shuffles the order in
    # which reports finish): the same seed must still give the same results.
    t0 = time.perf_counter()
    procs = {w: _demo(tmp_path / f"workers-{w}", w) for w in (1, 2)}
    try:
        for w, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=1200)
            assert proc.returncode == 0, (w, stdout[-2000:], stderr[-4000:])
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    print(f"two demos at once (1 and 2 workers): {time.perf_counter() - t0:.0f} s")
    a, b = tmp_path / "workers-1" / "run", tmp_path / "workers-2" / "run"
    files = derived_files(a)
    assert len([f for f in files if f.endswith("report.html")]) == 15 + 1
    assert {"findings.parquet", "sample.parquet", "estimates.parquet", "simulation.parquet",
            "manifest.json"} <= set(files)  # fmt: skip
    assert sum(f.endswith(".xlsx") for f in files) >= 15 * 3
    diffs = compare_runs(a, b)
    assert diffs == [], "\n".join(map(str, diffs[:30]))
    ma, mb = (json.loads((r / "manifest.json").read_text(encoding="utf-8")) for r in (a, b))
    assert ma["inputs"] == mb["inputs"] and ma["seed"] == mb["seed"]
    assert all(r["status"] == "ok" for r in ma["reports"].values())
    # the whole county's run is as private as the example's (tests/test_privacy_scan.py)
    leaks = scan(b, load_dataset(tmp_path / "workers-2" / "data", geometry=False))
    assert leaks.empty, leaks.head(20).to_string()
