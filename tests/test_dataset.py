"""Saving and loading Datasets; clear errors for broken folders."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from audit import InputError, SchemaError, load_dataset, load_truth
from audit.schema import TABLES, conform, empty_frame


def test_round_trip_keeps_every_table_and_dtype(small, small_dir):
    loaded = load_dataset(small_dir)
    for name, frame in small.tables().items():
        pd.testing.assert_frame_equal(loaded.tables()[name], frame, check_dtype=True)
    assert loaded.fingerprint() == small.fingerprint()
    meta = json.loads((small_dir / "dataset.json").read_text(encoding="utf-8"))
    assert meta["fingerprint"] == small.fingerprint()
    assert meta["county_code"] == "620523"
    assert meta["settings"]["income"]["poverty_line"] == 4000.0
    assert meta["tables"]["households"]["rows"] == len(small.households)
    assert len(loaded.geometry) == len(small.villages)
    assert loaded.geometry.crs.to_epsg() == 4326


def test_truth_is_kept_apart(small, small_dir):
    assert load_dataset(small_dir).truth is None
    truth = load_truth(small_dir)
    assert set(truth) >= {"households", "members", "discrepancies"}
    assert len(truth["households"]) == len(small.households)


def test_schema_lists_every_column_with_chinese_header():
    for table in TABLES.values():
        assert table.names
        for col in table.columns:
            assert col.zh and all(ord(c) < 128 for c in col.name)
        assert set(table.key) <= set(table.names)


def test_subset_keeps_only_its_townships(small):
    one = small.subset(["620523110"])
    assert set(one.households["township_code"]) == {"620523110"}
    assert one.members["household_id"].isin(one.households["household_id"]).all()
    assert len(one.households) + len(small.subset(["620523101"]).households) == len(
        small.households
    )


@pytest.fixture()
def copy_dir(small_dir, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(small_dir, target)
    return target


def test_missing_table_names_the_table(copy_dir):
    (copy_dir / "members.parquet").unlink()
    with pytest.raises(SchemaError) as err:
        load_dataset(copy_dir)
    assert "家庭成员" in err.value.zh and "members" in err.value.en
    assert err.value.table == "members"


def test_missing_column_names_table_and_column(copy_dir):
    f = copy_dir / "households.parquet"
    pd.read_parquet(f).drop(columns=["house_grade"]).to_parquet(f)
    with pytest.raises(SchemaError) as err:
        load_dataset(copy_dir)
    assert err.value.column == "house_grade"
    assert "住房安全等级" in str(err.value) and "households" in str(err.value)


def test_wrong_dtype_names_table_and_column(copy_dir):
    f = copy_dir / "villages.parquet"
    v = pd.read_parquet(f)
    v["water_points_to_fix"] = "很多"
    v.to_parquet(f)
    with pytest.raises(SchemaError) as err:
        load_dataset(copy_dir)
    assert err.value.column == "water_points_to_fix"
    assert "应为整数" in err.value.zh and "kind 'int'" in err.value.en


def test_value_outside_code_list_is_an_error(copy_dir):
    f = copy_dir / "households.parquet"
    h = pd.read_parquet(f)
    h["status"] = h["status"].astype(str)
    h.loc[0, "status"] = "半脱贫"
    h.to_parquet(f)
    with pytest.raises(SchemaError, match="半脱贫"):
        load_dataset(copy_dir)


def test_not_a_dataset_folder(tmp_path):
    with pytest.raises(InputError, match=r"dataset\.json"):
        load_dataset(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        load_dataset(tmp_path / "nowhere")


def test_damaged_parquet_is_an_input_error(copy_dir):
    (copy_dir / "projects.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError) as err:
        load_dataset(copy_dir)
    assert "projects" in err.value.en


def test_failed_save_leaves_existing_folder_untouched(small, small_dir, tmp_path, monkeypatch):
    target = tmp_path / "keep"
    shutil.copytree(small_dir, target)
    before = sorted(p.name for p in target.iterdir())

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        small.save(target)
    assert sorted(p.name for p in target.iterdir()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".keep")]
    monkeypatch.undo()
    load_dataset(target)


def test_conform_rejects_unknown_columns_and_casts():
    frame = empty_frame("townships").assign(extra=pd.Series([], dtype=float))
    with pytest.raises(SchemaError, match="extra"):
        conform(frame, "townships")
    ints = pd.DataFrame({c: [None] for c in TABLES["villages"].names})
    ints["water_points_to_fix"] = [3.0]
    out = conform(ints, "villages")
    assert str(out["water_points_to_fix"].dtype) == "Int64"
