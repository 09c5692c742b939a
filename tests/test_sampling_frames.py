"""Sampling frames from a Dataset and population counts."""

import pandas as pd

from audit.sampling import (
    FRAME_COLUMNS,
    exited_frame,
    household_frame,
    nonregistered_frame,
    population_counts,
    size_table,
)
from audit.sampling.sizes import exited_sample_size


def test_frames_hold_the_right_households(small):
    hh = small.households
    nonreg, exited = nonregistered_frame(small), exited_frame(small)
    assert tuple(nonreg.columns) == FRAME_COLUMNS
    assert len(nonreg) == (hh["status"] == "一般农户").sum()
    assert len(exited) == (hh["status"] == "已脱贫").sum()
    assert (nonreg["status"] == "一般农户").all() and (exited["status"] == "已脱贫").all()
    assert nonreg["household_id"].is_monotonic_increasing
    assert not nonreg.isna().any().any()


def test_people_are_member_rows(small):
    frame = nonregistered_frame(small)
    counts = small.members["household_id"].value_counts()
    assert (frame["people"].to_numpy() == counts.reindex(frame["household_id"]).to_numpy()).all()


def test_people_fall_back_to_declared_size_and_township_to_village(small):
    ds = small.subset(["620523110"])
    first = ds.households["household_id"].iloc[0]
    ds.members = ds.members[ds.members["household_id"] != first].reset_index(drop=True)
    ds.households.loc[0, "township_code"] = pd.NA
    frame = household_frame(ds, ("一般农户", "已脱贫", "未脱贫")).set_index("household_id")
    assert frame.loc[first, "people"] == ds.households.loc[0, "declared_size"]
    assert frame.loc[first, "township_code"] == "620523110"


def test_population_counts(small):
    total = population_counts(small)
    assert total["rural_people"].iloc[0] == len(small.members)
    poor = small.households.loc[small.households["status"] == "未脱贫", "household_id"]
    assert total["remaining_poor_people"].iloc[0] == small.members["household_id"].isin(poor).sum()
    by = population_counts(small, by="township_code")
    assert list(by.index) == sorted(small.households["township_code"].unique())
    assert by["rural_people"].sum() == total["rural_people"].iloc[0]


def test_default_sizes_follow_the_settings():
    assert exited_sample_size(10**9) == 753  # 2 % ± 1 % at 95 %
    assert exited_sample_size(1000) < 753
    assert exited_sample_size(0) == 0
    table = size_table({"一般农户": 112_000, "已脱贫": 36_670})
    assert set(table["frame"]) == {"一般农户", "已脱贫"}
    assert table.groupby("frame")["sample_size"].apply(lambda s: s.is_monotonic_increasing).all()
