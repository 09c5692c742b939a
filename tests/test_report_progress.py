"""The 整改进度 section reads the ledger of a county that keeps one."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import audit.report as report
from audit.cli import main


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    out = tmp_path_factory.mktemp("hist") / "data"
    got = CliRunner().invoke(
        main, ["synth", "--out", str(out), "--scale", "0.03", "--seed", "5", "--weeks", "3"]
    )
    assert got.exit_code == 0, got.output
    return out


def test_progress_shows_burndown_verdicts_for_a_township(history):
    ctx = report.open_report("620523101", str(history))
    html = report.progress(ctx).data
    assert "data:image/png;base64," in html
    assert "整改台账截至" in html and "共 3 次运行" in html
    assert "新兴镇" in html and ("按期" in html or "有风险" in html or "逾期" in html)


def test_progress_for_the_county_lists_departments(history):
    html = report.progress(report.open_report("", str(history))).data
    assert "医保局" in html or "住建局" in html


def test_progress_without_ledger_says_how_to_start(small_dir):
    html = report.progress(report.open_report("620523101", str(small_dir))).data
    assert "尚未建立整改台账" in html
