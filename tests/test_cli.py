"""The command line: summary in Chinese, clear errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from click.testing import CliRunner

from audit import load_dataset
from audit.cli import main


def test_synth_writes_dataset_and_prints_summary(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["synth", "--out", str(tmp_path / "d"), "--seed", "4", "--scale", "0.02"]
    )
    assert result.exit_code == 0, result.output
    assert "建档立卡户" in result.output and "760" in result.output
    ds = load_dataset(tmp_path / "d")
    assert len(ds.households) == 3000


def test_synth_twice_with_same_seed_gives_identical_tables(tmp_path):
    for name in ("a", "b"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "audit",
                "synth",
                "--out",
                str(tmp_path / name),
                "--seed",
                "11",
                "--scale",
                "0.02",
            ],
            check=True,
            capture_output=True,
        )
    a, b = load_dataset(tmp_path / "a"), load_dataset(tmp_path / "b")
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])


def test_bad_settings_give_exit_2_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[water]\nlitres_min = "abc"\n', encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "audit",
            "synth",
            "--out",
            str(tmp_path / "d"),
            "--settings",
            str(bad),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "water.litres_min" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "d").exists()


def test_bad_arguments_are_refused(tmp_path):
    result = CliRunner().invoke(main, ["synth", "--out", str(tmp_path), "--scale", "-1"])
    assert result.exit_code == 2
