"""The forecast in the reports and in the runner's artifacts (save, load, absent)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import audit.report as report
from audit.runner.artifacts import SIMULATION_KEYS, load_artifacts


@pytest.fixture(scope="module")
def ctx():
    return report.open_report("", "", "", "", 20240325, "")


@pytest.fixture(scope="module")
def town_ctx(ctx):
    from dataclasses import replace

    return replace(ctx, township_code="620523110")


def text(html) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.data))


def test_runner_keeps_the_simulation(ctx):
    extra = ctx.artifacts.extra
    assert set(SIMULATION_KEYS) <= set(extra)
    assert (extra["simulation_summary"]["indicator"] == "ALL").all()
    assert "county" in set(extra["simulation_summary"]["code"])
    assert "620523110" in set(extra["simulation_by_indicator"]["code"])


def test_forecast_section_gives_counts_and_rates_with_intervals(ctx, town_ctx):
    t = text(report.forecast(ctx))
    assert "预计普查将发现不达标的建档立卡户" in t and "80%区间" in t and "95%区间" in t
    assert "错退率" in t and "漏评率" in t and "综合贫困发生率" in t and "超标概率" in t
    assert "MED-01" in t and "一户也查不出的概率" in t
    s = ctx.artifacts.extra["simulation_summary"]
    town = s[s["code"] == "620523110"].iloc[0]
    assert f"<b>{round(town['expected'])}</b>" in report.forecast(town_ctx).data


def test_scenarios_are_plain_sentences_and_a_table(ctx):
    h = report.scenarios(ctx).data
    assert h.count("<li>如果") == 4 and "降到" in h and "<table>" in h
    assert "假设进度" in h  # no ledger: the assumed pace is stated


def test_hurt_most_ranks_villages(ctx, town_ctx):
    t = text(report.hurt_most(ctx, n=5))
    assert "预计普查发现不达标户最多的村" in t and "乡镇" in t
    h = report.hurt_most(town_ctx, n=5).data
    assert '<th class="">乡镇</th>' not in h  # a township report lists its own villages


def test_key_figures_print(ctx, capsys):
    report.simulation_key_figures(ctx)
    out = capsys.readouterr().out
    assert "预计普查不达标户" in out and "情景 actions_done" in out


def test_discrepancy_table(ctx):
    t = text(report.discrepancy_table(ctx))
    assert "记录达标但实际不达标" in t and "漏评" in t and "校正后比例" in t


def test_artifacts_save_and_load_with_and_without_simulation(ctx, tmp_path):
    ctx.artifacts.save(tmp_path)
    assert (tmp_path / "simulation.parquet").exists()
    loaded = load_artifacts(tmp_path)
    for key in SIMULATION_KEYS:
        pd.testing.assert_frame_equal(loaded.extra[key], ctx.artifacts.extra[key],
                                      check_dtype=False)  # fmt: skip
    for name in ("simulation.parquet", "simulation_metrics.parquet",
                 "simulation_scenarios.parquet"):  # fmt: skip
        (tmp_path / name).unlink()
    bare = load_artifacts(tmp_path)
    assert bare is not None and bare.extra == {}
    from dataclasses import replace

    assert "没有普查模拟结果" in report.forecast(replace(ctx, artifacts=bare)).data
