"""Partitioned Datasets: hive layout, written county by county, read back by pandas and Dask."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from audit import load_dataset, load_truth, synth
from audit.cli import main
from audit.partitions import (
    UNPLACED,
    is_partitioned,
    load_partitioned,
    partitions,
    township_dataset,
    write_county_view,
    write_partitioned,
)
from audit.schema import TABLES

SEED, SCALE = 5, 0.02
#: dask's parquet reader still calls reset_index(inplace=True) (pandas 3.1 deprecation).
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """Two synthetic counties written partitioned."""
    path = tmp_path_factory.mktemp("prov") / "province"
    return write_partitioned(synth.iter_counties(SEED, SCALE, counties=2), path)


@pytest.fixture(scope="module")
def together():
    return synth.generate(seed=SEED, scale=SCALE, counties=2)


def test_layout_is_hive_by_county_and_township(province):
    meta = json.loads((province / "dataset.json").read_text(encoding="utf-8"))
    assert meta["layout"]["kind"] == "partitioned"
    assert meta["layout"]["keys"] == ["county_code", "township_code"]
    assert [c["county_code"] for c in meta["counties"]] == ["620523", "629901"]
    parts = meta["layout"]["partitions"]
    assert len(parts) == 30 and parts == sorted(parts, key=lambda p: p["township_code"])
    one = province / "households" / "county_code=629901" / "township_code=629901101"
    assert (one / "part-0.parquet").exists()
    assert (province / "townships.parquet").exists() and (province / "villages.gpkg").exists()
    # the keys are in the folder names only, never repeated in the files
    cols = pd.read_parquet(one / "part-0.parquet").columns
    assert "township_code" not in cols and "county_code" not in cols
    assert is_partitioned(province) and meta["tables"]["members"]["rows"] > 0


def test_members_and_visits_sit_in_their_households_partition(province):
    for part in partitions(province)[:4] + partitions(province)[-3:]:
        code = part["township_code"]
        folder = f"county_code={code[:6]}/township_code={code}/part-0.parquet"
        hh = pd.read_parquet(province / "households" / folder)
        for table in ("members", "visits"):
            file = province / table / folder
            if file.exists():
                rows = pd.read_parquet(file)
                assert rows["household_id"].isin(hh["household_id"]).all(), (table, code)
        assert len(hh) == part["rows"]["households"]


def test_pandas_reads_every_partition_back_to_the_same_tables(province, together):
    ds = load_dataset(province)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(ds, name), getattr(together, name), obj=name)
    assert len(ds.geometry) == len(together.geometry)
    truth = load_truth(province)
    for name, frame in together.truth.items():
        pd.testing.assert_frame_equal(plain(truth[name]), plain(frame), obj=name)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values only: object columns, missing as None (truth tables mix str and object dtypes)."""
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def test_iter_counties_yields_the_counties_of_generate(together):
    second = list(synth.iter_counties(SEED, SCALE, counties=2))[1]
    assert second.meta["county_code"] == "629901" and second.meta["generator"]["counties"] == 2
    rows = together.households["township_code"].str.startswith("629901")
    pd.testing.assert_frame_equal(
        second.households, together.households[rows].reset_index(drop=True)
    )


def test_a_township_and_a_county_view_read_only_their_rows(province, together, tmp_path):
    town = township_dataset(province, "629901105")
    want = together.subset(["629901105"])
    for name in ("households", "members", "villages", "visits", "projects", "townships"):
        pd.testing.assert_frame_equal(getattr(town, name), getattr(want, name), obj=name)
    view = write_county_view(province, "629901", tmp_path / "view")
    county = load_dataset(view)
    assert county.meta["county_name"] == "合成县01" and county.meta["county_code"] == "629901"
    assert county.households["township_code"].str.startswith("629901").all()
    assert (
        len(county.households)
        == together.households["township_code"].str.startswith("629901").sum()
    )
    assert set(county.geometry["township_code"]) == set(county.townships["township_code"])
    assert county.meta["fingerprint"] != load_dataset(province).meta["fingerprint"]


def test_dask_engine_opens_partitions_lazily(province, together):
    lazy = load_dataset(province, engine="dask")
    hh = lazy.households
    assert hh.npartitions == 30
    assert hh["township_code"].dtype == "string" and hh["county_code"].dtype == "string"
    counts = hh.groupby("county_code").size().compute().sort_index()
    want = together.households["township_code"].str.slice(0, 6).value_counts().sort_index()
    assert counts.to_dict() == want.to_dict()
    assert len(lazy.members) == len(together.members)
    assert (
        len(lazy.township("620523101").households)
        == (together.households["township_code"] == "620523101").sum()
    )
    with pytest.raises(ValueError, match="engine"):
        load_dataset(province, engine="spark")


def test_orphans_and_households_without_township_round_trip(tmp_path):
    ds = synth.generate(seed=1, scale=0.01)
    hh = ds.households.copy()
    hh.loc[0, "township_code"] = None
    members = ds.members.copy()
    members.loc[3, "household_id"] = "999999999999999"
    ds.households, ds.members = hh, members
    path = write_partitioned([ds], tmp_path / "p")
    assert any(p["township_code"] == UNPLACED for p in partitions(path))
    back = load_partitioned(path)
    orphan = back.members[back.members["household_id"] == "999999999999999"]
    assert len(orphan) == 1 and len(back.members) == len(members)
    lost = back.households[back.households["township_code"].isna()]
    assert list(lost["household_id"]) == [hh.loc[0, "household_id"]]
    assert len(back.households) == len(hh)


def test_synth_command_partitions_several_counties(tmp_path):
    runner = CliRunner()
    out = tmp_path / "prov"
    result = runner.invoke(main, ["synth", "--out", str(out), "--scale", "0.01", "--counties", "2"])
    assert result.exit_code == 0, result.output
    assert "629901 合成县01" in result.output and is_partitioned(out)
    flat = tmp_path / "flat"
    result = runner.invoke(
        main, ["synth", "--out", str(flat), "--scale", "0.01", "--counties", "2", "--flat"]
    )
    assert result.exit_code == 0 and (flat / "households.parquet").exists()
    assert not is_partitioned(flat)
    one = tmp_path / "one"
    result = runner.invoke(main, ["synth", "--out", str(one), "--scale", "0.01", "--partitioned"])
    assert result.exit_code == 0 and is_partitioned(one)
    np.testing.assert_array_equal(
        load_dataset(one).households["household_id"],
        load_dataset(flat).households["household_id"].iloc[:1500],  # scale 0.01: 1,500
    )
    result = runner.invoke(
        main, ["synth", "--out", str(tmp_path / "x"), "--counties", "2", "--weeks", "2"]
    )
    assert result.exit_code == 2 and "--weeks" in result.output


def test_partition_command_combines_county_datasets(together, tmp_path):
    folders = [
        ds.save(tmp_path / ds.meta["county_code"])
        for ds in synth.iter_counties(SEED, SCALE, counties=2)
    ]
    runner = CliRunner()
    out = tmp_path / "province"
    result = runner.invoke(main, ["partition", *map(str, reversed(folders)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "合成县01" in result.output and is_partitioned(out)
    back = load_dataset(out)
    for name in ("households", "members", "villages", "townships"):
        pd.testing.assert_frame_equal(
            getattr(back, name).sort_values(TABLES[name].names[0], ignore_index=True),
            getattr(together, name).sort_values(TABLES[name].names[0], ignore_index=True),
            obj=name,
        )
    twice = runner.invoke(main, ["partition", str(folders[0]), str(folders[0]), "--out",
                                 str(tmp_path / "twice")])  # fmt: skip
    assert twice.exit_code == 2 and "620523100" in twice.output
    assert not (tmp_path / "twice").exists()
