"""GeoPackage export of village indicators, and the plain per-village registry counts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from audit.errors import InputError
from audit.geo import STATUS_LABELS, export_gpkg, load_boundaries, village_counts


@pytest.fixture(scope="module")
def counts(small):
    return village_counts(small)


def test_village_counts_match_a_direct_count(small, counts):
    assert counts["village_code"].tolist() == small.villages["village_code"].tolist()
    hh = small.households
    reg = hh[hh["status"].isin(["未脱贫", "已脱贫"])]
    assert counts["registered_households"].sum() == len(reg)
    members = small.members[small.members["household_id"].isin(reg["household_id"])]
    uninsured = members[
        (members["medical_insurance"] == "未参保") & members["insurance_exemption"].isna()
    ]
    assert counts["uninsured_people"].sum() == len(uninsured)
    village = counts.iloc[int(np.argmax(counts["uninsured_people"]))]
    in_village = uninsured["household_id"].isin(
        reg.loc[reg["village_code"] == village["village_code"], "household_id"]
    )
    assert village["uninsured_people"] == in_village.sum()
    unsafe = (
        reg["house_grade"].isin(["C", "D"])
        & ~reg["house_renovated"].fillna(False).astype(bool)
        & ~reg["relocated"].fillna(False).astype(bool)
    )
    assert counts["unsafe_house_households"].sum() == unsafe.sum()
    problem = unsafe | reg["household_id"].isin(uninsured["household_id"])
    assert counts["problem_households"].sum() == problem.sum()


def test_rates_intervals_and_status_are_consistent(counts):
    has = counts["registered_households"] > 0
    rate = counts["problem_rate"][has]
    assert (
        (counts["problem_rate_low"][has] <= rate) & (rate <= counts["problem_rate_high"][has])
    ).all()
    assert counts.loc[~has, "status"].isna().all()
    assert set(counts["status"].dropna()) <= set(STATUS_LABELS)
    expected = np.where(rate < 0.05, "达标", np.where(rate < 0.15, "风险", "未达标"))
    assert (counts.loc[has, "status"].astype(str).to_numpy() == expected).all()


def test_rate_interval_is_wilson(counts):
    # Wilson (1927), e.g. Newcombe (1998): 81/263 -> 0.2553 to 0.3662; 0/n starts at 0.
    row = counts[counts["registered_households"] > 0].iloc[0]
    x, n = row["problem_households"], row["registered_households"]
    z2 = 1.959963984540054**2
    centre = (x + z2 / 2) / (n + z2)
    half = np.sqrt(z2) / (n + z2) * np.sqrt(x * (n - x) / n + z2 / 4)
    assert row["problem_rate_low"] == pytest.approx(max(centre - half, 0), abs=1e-9)
    assert row["problem_rate_high"] == pytest.approx(min(centre + half, 1), abs=1e-9)
    empty = counts["registered_households"] == 0
    assert counts.loc[empty, ["problem_rate", "problem_rate_low"]].isna().all().all()


def test_gpkg_opens_with_expected_layers_and_rows(small, counts, tmp_path):
    villages, _ = load_boundaries(None, small)
    villages = villages.iloc[1:]  # one village without a polygon: kept, empty geometry
    layers = {
        "问题户比例": counts[
            [
                "village_code",
                "registered_households",
                "problem_households",
                "problem_rate",
                "problem_rate_low",
                "problem_rate_high",
            ]
        ],
        "未参保人数": counts[["village_code", "uninsured_people"]],
        "准备状态": counts[["village_code", "status"]],
    }
    path = export_gpkg(tmp_path / "out" / "villages.gpkg", layers, villages.to_crs(32648))
    assert path.name == "villages.gpkg" and not list(path.parent.glob(".*"))
    assert [name for name, _ in pyogrio.list_layers(path)] == list(layers)
    for name, frame in layers.items():
        read = gpd.read_file(path, layer=name)
        assert read.crs.to_epsg() == 4326
        assert len(read) == len(counts)
        assert {"village_code", "township_code", "name", "schematic"} <= set(read.columns)
        assert set(frame.columns) <= set(read.columns)
        assert read["geometry"].isna().sum() == 1
    status = gpd.read_file(path, layer="准备状态").set_index("village_code")["status"]
    expected = counts.set_index("village_code")["status"].astype(object)
    assert (status.reindex(expected.index).fillna("") == expected.fillna("")).all()
    rates = gpd.read_file(path, layer="问题户比例").set_index("village_code")
    assert np.allclose(
        rates.loc[counts["village_code"], "problem_rate_high"],
        counts["problem_rate_high"],
        equal_nan=True,
    )
    # Writing again replaces the file atomically.
    export_gpkg(path, {"只有一层": counts[["village_code", "status"]]}, villages)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["只有一层"]


def test_gpkg_rejects_bad_layers(small, counts, tmp_path):
    villages, _ = load_boundaries(None, small)
    with pytest.raises(InputError):
        export_gpkg(tmp_path / "a.gpkg", {}, villages)
    with pytest.raises(InputError, match="village_code"):
        export_gpkg(tmp_path / "a.gpkg", {"x": pd.DataFrame({"a": [1]})}, villages)
    assert not (tmp_path / "a.gpkg").exists()
