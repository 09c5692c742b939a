"""The ``audit sample`` command."""

import json
import subprocess
import sys

import pandas as pd
from click.testing import CliRunner

from audit.cli import main


def _run(*args):
    return CliRunner().invoke(main, ["sample", *map(str, args)])


def test_sample_writes_sample_summary_and_visit_lists(small_dir, tmp_path):
    out = tmp_path / "s"
    result = _run(small_dir, "--out", out, "--size", 150, "--exited-size", 60, "--seed", 9)
    assert result.exit_code == 0, result.output
    assert "一般农户: 抽取 150 户" in result.output
    sample = pd.read_parquet(out / "sample.parquet")
    assert sample.groupby("status").size().to_dict() == {"一般农户": 150, "已脱贫": 60}
    for c in ("weight", "prob", "fpc", "stratum", "cluster", "people"):
        assert c in sample.columns
    meta = json.loads((out / "design.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 9 and meta["design"] == "stratified"
    summary = pd.read_csv(out / "design_summary.csv")
    assert summary["sampled_households"].sum() == 210
    lists = sorted((out / "townships").glob("*/入户核查名单.xlsx"))
    assert len(lists) == sample["township_code"].nunique()


def test_same_seed_same_sample_in_another_process(small_dir, tmp_path):
    args = ["--size", "120", "--design", "two-stage", "--households-per-village", "6",
            "--exited-size", "0", "--seed", "5"]  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "audit", "sample", str(small_dir), "--out", str(tmp_path / "a"),
         *args],
        check=True, capture_output=True,
    )  # fmt: skip
    assert _run(small_dir, "--out", tmp_path / "b", *args).exit_code == 0
    a = pd.read_parquet(tmp_path / "a" / "sample.parquet")
    b = pd.read_parquet(tmp_path / "b" / "sample.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert (a["design"] == "two-stage").all() and set(a["status"]) == {"一般农户"}


def test_missing_dataset_exits_2_without_traceback(tmp_path):
    result = _run(tmp_path / "none", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "数据集" in result.output
