"""``audit simulate`` on a saved Dataset: files, messages, exit status."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.runner.parameters import FIXTURE_DIR
from audit.simulate import load_simulation


def test_simulate_writes_the_three_files_and_prints_the_forecast(tmp_path):
    out = tmp_path / "sim"
    res = CliRunner().invoke(main, ["simulate", str(FIXTURE_DIR), "--out", str(out),
                                    "--runs", "300", "--seed", "5"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "预计普查发现不达标户" in res.output and "错退率" in res.output
    for name in ("simulation.parquet", "simulation_metrics.parquet",
                 "simulation_scenarios.parquet"):  # fmt: skip
        assert (out / name).exists(), name
    frames = load_simulation(out)
    s = pd.read_parquet(out / "simulation.parquet")
    assert {"level", "code", "indicator", "expected", "p2_5", "p10", "p90", "p97_5"} <= set(s)
    assert (frames["simulation_summary"]["indicator"] == "ALL").all()
    again = tmp_path / "again"
    CliRunner().invoke(main, ["simulate", str(FIXTURE_DIR), "--out", str(again), "--runs",
                              "300", "--seed", "5"])  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_parquet(again / "simulation.parquet"), s)


def test_missing_data_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(main, ["simulate", str(tmp_path / "none"), "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "数据集" in res.output or "不存在" in res.output


def test_help_is_chinese_and_english():
    res = CliRunner().invoke(main, ["simulate", "--help"])
    assert res.exit_code == 0 and "--runs" in res.output and "模拟" in res.output


def test_a_ledger_in_the_data_folder_gives_the_pace(tmp_path):
    data = tmp_path / "data"
    made = CliRunner().invoke(main, ["synth", "--out", str(data), "--scale", "0.05",
                                     "--weeks", "3"])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert (data / "ledger.sqlite").exists()
    out = tmp_path / "sim"
    res = CliRunner().invoke(main, ["simulate", str(data), "--out", str(out), "--runs", "250"])
    assert res.exit_code == 0, res.output
    assert "漏评率: 尚无一般农户入户核查结果" in res.output  # no 一般农户 visited in plain synth
    s = pd.read_parquet(out / "simulation_scenarios.parquet")
    names = set(s.loc[s["scenario"] == "on_pace", "scenario_name"])
    assert names == {"一户一策按整改台账测算的当前进度完成"}


def test_the_runner_and_simulate_take_the_same_ledger_pace(tmp_path):
    from audit import load_dataset
    from audit.errors import AuditError
    from audit.runner.artifacts import compute_artifacts
    from audit.settings import load_settings
    from audit.tracking import ledger_pace

    data = tmp_path / "data"
    made = CliRunner().invoke(main, ["synth", "--out", str(data), "--scale", "0.05",
                                     "--weeks", "3"])  # fmt: skip
    assert made.exit_code == 0, made.output
    settings = load_settings().replace(simulation={"runs": 100})
    pace = ledger_pace(data, settings)
    assert pace is not None and len(pace)
    a = compute_artifacts(load_dataset(data), settings, 1, pace=pace)
    names = set(a.extra["simulation_scenarios"].query("scenario == 'on_pace'")["scenario_name"])
    assert names == {"一户一策按整改台账测算的当前进度完成"}
    assert ledger_pace(tmp_path, settings) is None  # no ledger: the settings' share
    (tmp_path / "ledger.sqlite").write_bytes(b"not a database")
    with pytest.raises(AuditError, match="整改台账"):
        ledger_pace(tmp_path, settings)
    assert ledger_pace(tmp_path, settings, strict=False) is None
