"""The demo history: weekly runs and returns with planted false claims, loaded into a ledger."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from audit import rules
from audit.cli import main
from audit.settings import load_settings
from audit.synth.history import weekly_snapshots, write_history
from audit.tracking import (
    Ledger,
    burndown,
    claims_contradicted,
    finding_status,
    forecast,
    in_scope,
    load_history,
)

WEEKS = 8


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def history(small, settings):
    return weekly_snapshots(small, WEEKS, seed=11, settings=settings)


@pytest.fixture(scope="module")
def ledger_path(history, tmp_path_factory):
    folder = write_history(history, tmp_path_factory.mktemp("history") / "history")
    path = folder.parent / "ledger.sqlite"
    summary = load_history(folder, path)
    assert summary["runs"] == WEEKS and summary["duplicates"] == 0
    return path


def test_week_one_is_the_dataset_and_weeks_are_dated(history, small, settings):
    first = history.weeks[0]
    assert first.as_of == settings.audit.reference_date
    key = ["household_id", "person_id", "rule_id"]
    pd.testing.assert_frame_equal(
        first.findings.sort_values(key, ignore_index=True),
        rules.run(small, settings).sort_values(key, ignore_index=True),
    )
    days = [(w.as_of - first.as_of).days for w in history.weeks]
    assert days == [7 * i for i in range(WEEKS)]
    assert all(w.reported_on < n.as_of for w, n in zip(history.weeks, history.weeks[1:],
                                                       strict=False))  # fmt: skip


def test_the_same_seed_gives_the_same_history(history, small, settings):
    again = weekly_snapshots(small, WEEKS, seed=11, settings=settings)
    other = weekly_snapshots(small, WEEKS, seed=12, settings=settings)
    for a, b in zip(history.weeks, again.weeks, strict=True):
        pd.testing.assert_frame_equal(a.findings, b.findings)
        pd.testing.assert_frame_equal(a.returns, b.returns)
    pd.testing.assert_frame_equal(history.truth["false_claims"], again.truth["false_claims"])
    assert any(len(a.findings) != len(b.findings)
               for a, b in zip(history.weeks, other.weeks, strict=True))  # fmt: skip


def test_reported_fixed_but_still_found_is_exactly_the_planted_claims(history, ledger_path):
    planted = history.truth["false_claims"]
    assert len(planted) >= 3
    with Ledger(ledger_path) as ledger:
        found = claims_contradicted(ledger)
    key = ["township_code", "household_id", "village_code", "rule_id", "fixed_date"]

    def norm(frame):
        f = frame[key].astype(str).replace({"None": "", "nan": "", "<NA>": ""})
        return sorted(map(tuple, f.to_numpy()))

    assert norm(found) == norm(planted)
    weeks = planted["week"].map(lambda w: f"第{w + 1:02d}周")  # judged by the next run
    assert sorted(found["next_run_id"]) == sorted(weeks)
    assert (found["still_found"] >= 1).all()


def test_townships_progress_at_different_paces(history, ledger_path):
    pace = history.truth["pace"].set_index("township_code")
    assert set(pace["profile"]) == {"ahead", "behind"}  # two townships: one of each
    with Ledger(ledger_path) as ledger:
        s = burndown(ledger, "township_code")
        status = finding_status(ledger)
    final = s[s["deadline_key"] == "final"].sort_values("as_of")
    left = final.groupby("key")["open"].agg(lambda o: o.iloc[-1] / o.iloc[0])
    behind = pace.index[pace["profile"] == "behind"][0]
    ahead = pace.index[pace["profile"] == "ahead"][0]
    assert left[behind] > left[ahead]
    assert {"open", "verified", "reported_fixed"} <= set(status["status"])


def test_open_counts_and_projection_match_a_hand_computation(history, ledger_path, settings):
    town = history.truth["pace"]["township_code"].iloc[0]
    by_hand = [int((in_scope(w.findings) & (w.findings["township_code"] == town)).sum())
               for w in history.weeks]  # fmt: skip
    with Ledger(ledger_path) as ledger:
        s = burndown(ledger, "township_code", settings)
    one = s[(s["key"] == town) & (s["deadline_key"] == "final")].sort_values("as_of")
    assert one["open"].tolist() == by_hand
    row = forecast(one, settings).iloc[0]
    # Least-squares slope over the last three weekly runs (x in days: 0, 7, 14).
    y = np.array(by_hand[-3:], dtype=float)
    slope = (y[2] - y[0]) / 14  # for equally spaced x the LS slope is (y3 − y1) / (x3 − x1)
    assert row["pace_per_week"] == pytest.approx(round(-7 * slope, 2))
    last = pd.Timestamp(history.weeks[-1].as_of)
    if by_hand[-1] > 0 and slope < 0:
        expected = last + pd.Timedelta(days=math.ceil(by_hand[-1] / -slope))
        assert row["projected"] == expected
        late = (expected - pd.Timestamp(settings.deadlines.final)).days
        assert row["verdict"] == ("miss" if late > 0 else "at_risk" if late > -7 else "on_track")
    else:
        assert pd.isna(row["projected"])


def test_problems_and_projects_move_forward(history):
    fixed = [int((w.problems["status"] == "已整改").sum()) for w in history.weeks]
    started = [int((w.projects["status"] != "未开工").sum()) for w in history.weeks]
    assert fixed == sorted(fixed) and started == sorted(started)
    assert started[-1] > started[0]


def test_loading_the_history_again_changes_nothing(history, ledger_path, tmp_path):
    with Ledger(ledger_path) as ledger:
        before = (len(ledger.runs()), len(ledger.claims()), len(ledger.observations()))
    again = load_history(ledger_path.parent / "history", ledger_path)
    assert again["runs"] == again["returns"] == 0 and again["duplicates"] > WEEKS
    with Ledger(ledger_path) as ledger:
        assert (len(ledger.runs()), len(ledger.claims()), len(ledger.observations())) == before


def test_synth_weeks_and_track_commands(tmp_path):
    runner = CliRunner()
    out = tmp_path / "data"
    got = runner.invoke(main, ["synth", "--out", str(out), "--scale", "0.02", "--seed", "3",
                               "--weeks", "3"])  # fmt: skip
    assert got.exit_code == 0, got.output
    assert (out / "history" / "week_03" / "findings.parquet").is_file()
    assert (out / "history" / "truth" / "false_claims.parquet").is_file()
    with Ledger(out / "ledger.sqlite") as ledger:
        assert ledger.runs()["run_id"].tolist() == ["第01周", "第02周", "第03周"]
    rep = runner.invoke(main, ["track", "report", "--data", str(out), "--out", str(tmp_path / "r")])
    assert rep.exit_code == 0, rep.output
    assert "整改进度研判" in rep.output and (tmp_path / "r" / "整改进度.xlsx").is_file()
    assert len(list((tmp_path / "r" / "charts").glob("*.png"))) >= 4
    tpl = runner.invoke(main, ["track", "template", str(out), "--out", str(tmp_path / "t")])
    assert tpl.exit_code == 0, tpl.output
    files = sorted((tmp_path / "t").glob("*.xlsx"))
    assert files
    imp = runner.invoke(main, ["track", "import", str(files[0]), "--data", str(out)])
    assert imp.exit_code == 0 and "已导入" in imp.output  # a blank return: nothing claimed
    again = runner.invoke(main, ["track", "import", str(files[0]), "--data", str(out)])
    assert again.exit_code == 0 and "未重复写入" in again.output
    rec = runner.invoke(main, ["track", "record", str(out), "--run-id", "第03周"])
    assert rec.exit_code == 2 and "第03周" in rec.output  # same id, other findings: refused


def test_track_report_on_an_empty_ledger_is_a_clear_error(tmp_path):
    got = CliRunner().invoke(main, ["track", "report", "--ledger", str(tmp_path / "l.sqlite"),
                                    "--out", str(tmp_path / "r")])  # fmt: skip
    assert got.exit_code == 2 and "还没有审核记录" in got.output
