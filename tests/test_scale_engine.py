"""The Dask engine gives the pandas engine's outputs, and finds a person in two counties."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from click.testing import CliRunner

from audit import load_dataset, synth
from audit.cli import main
from audit.partitions import write_partitioned
from audit.rules.report import write_check_outputs
from audit.scale import check_dask, duplicated_persons, open_lazy, task_batches
from audit.settings import load_settings

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")

PARQUETS = ("findings.parquet", "household_status.parquet", "action_plans.parquet")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The demo county at a tenth of its size, partitioned (15 townships)."""
    path = tmp_path_factory.mktemp("county") / "gangu"
    return write_partitioned(synth.iter_counties(scale=0.1), path)


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """Two counties where one person of 甘谷县 is also registered in 合成县01."""
    first, second = synth.iter_counties(seed=11, scale=0.02, counties=2)
    person = first.members.iloc[100]
    members = second.members.copy()
    members.loc[7, "person_id"] = person["person_id"]
    second.members = members
    path = write_partitioned([first, second], tmp_path_factory.mktemp("twin") / "twin")
    return path, person["person_id"], (person["household_id"], members.loc[7, "household_id"])


def both_engines(data, tmp_path, settings, client, **kwargs):
    pandas_out, dask_out = tmp_path / "pandas", tmp_path / "dask"
    write_check_outputs(load_dataset(data, geometry=False), pandas_out, settings)
    result = check_dask(data, dask_out, settings, scheduler=client, progress=False, **kwargs)
    return pandas_out, dask_out, result


def sheets(path):
    return pd.read_excel(path, sheet_name=None, engine="calamine")


def assert_same_outputs(pandas_out, dask_out):
    for name in PARQUETS:
        pd.testing.assert_frame_equal(
            pd.read_parquet(dask_out / name), pd.read_parquet(pandas_out / name), obj=name
        )
    want = sheets(pandas_out / "规则统计.xlsx")
    got = sheets(dask_out / "规则统计.xlsx")
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], obj=name)


def test_dask_engine_equals_pandas_engine_on_the_county(county, tmp_path, settings, client):
    # tasks of about 2,000 households: several townships each, some alone
    pandas_out, dask_out, result = both_engines(
        county, tmp_path, settings, client, task_households=2000
    )
    findings = pd.read_parquet(pandas_out / "findings.parquet")
    assert len(findings) > 2000 and findings["township_code"].nunique() == 15
    assert result["partitions"] == 15 and 4 <= result["tasks"] < 15
    assert_same_outputs(pandas_out, dask_out)
    # the same rows in the same order, sorted as the pandas engine sorts
    got = pd.read_parquet(dask_out / "findings.parquet")
    keys = ["township_code", "village_code", "household_id", "rule_id", "person_id"]
    pd.testing.assert_frame_equal(
        got.sort_values(keys, na_position="first").reset_index(drop=True),
        findings.sort_values(keys, na_position="first").reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        sheets(dask_out / "findings.xlsx")["问题明细"],
        sheets(pandas_out / "findings.xlsx")["问题明细"],
    )
    id03 = findings.loc[findings["rule_id"] == "ID-03", "person_id"]
    assert "规则审核结果" in result["summary"] and result["duplicated_ids"] == id03.nunique()


def test_a_person_in_two_counties_is_found_across_partitions(twin, tmp_path, settings, client):
    path, person, households = twin
    dups = duplicated_persons(open_lazy(path))
    assert set(dups["person_id"]) == {person}
    assert sorted(dups["township_code"].str.slice(0, 6)) == ["620523", "629901"]

    pandas_out, dask_out, result = both_engines(path, tmp_path, settings, client)
    assert result["duplicated_ids"] == 1
    assert_same_outputs(pandas_out, dask_out)
    found = pd.read_parquet(dask_out / "findings.parquet")
    id03 = found[found["rule_id"] == "ID-03"]
    assert list(id03["person_id"]) == [person, person]
    assert list(id03["household_id"]) == list(households)
    assert sorted(id03["township_code"].str.slice(0, 6)) == ["620523", "629901"]
    totals = sheets(dask_out / "规则统计.xlsx")["全县按规则"].set_index("规则编号")
    assert totals.loc["ID-03", "不通过"] == 2 and totals.loc["ID-03", "涉及人数"] == 1
    assert totals.loc["ID-03", "涉及户数"] == 2
    # one work list per county; together they hold the pandas engine's rows
    books = sorted((dask_out / "findings").glob("*.xlsx"))
    assert [b.name for b in books] == ["620523-甘谷县.xlsx", "629901-合成县01.xlsx"]
    rows = pd.concat([sheets(b)["问题明细"] for b in books], ignore_index=True)
    pd.testing.assert_frame_equal(rows, sheets(pandas_out / "findings.xlsx")["问题明细"])


def test_tasks_take_whole_townships_of_one_county():
    parts = [{"township_code": t, "rows": {"households": n}} for t, n in
             [("620523100", 5), ("620523101", 30), ("620523102", 5), ("620523103", 5),
              ("629901100", 5), ("629901101", 50), ("629901102", 1)]]  # fmt: skip
    assert task_batches(parts, 10) == [
        ["620523100", "620523101"], ["620523102", "620523103"],
        ["629901100", "629901101"], ["629901102"],
    ]  # fmt: skip
    assert task_batches(parts, 1) == [[p["township_code"]] for p in parts]
    assert task_batches(parts, 10**6) == [[p["township_code"] for p in parts[:4]],
                                          [p["township_code"] for p in parts[4:]]]  # fmt: skip


def test_check_command_with_scheduler_and_refusals(twin, tmp_path, client):
    path = twin[0]
    runner = CliRunner()
    out = tmp_path / "cli"
    result = runner.invoke(
        main, ["check", str(path), "--out", str(out), "--scheduler", client.scheduler.address]
    )
    assert result.exit_code == 0, result.output
    assert "ID-03" in result.output and (out / "findings.parquet").exists()
    flat = synth.generate(seed=1, scale=0.01).save(tmp_path / "flat")
    result = runner.invoke(main, ["check", str(flat), "--out", str(out), "--engine", "dask"])
    assert result.exit_code == 2 and "分区" in result.output
    result = runner.invoke(
        main, ["check", str(path), "--out", str(out), "--engine", "pandas", "--scheduler", "x"]
    )
    assert result.exit_code == 2
