"""Loading user boundaries: formats, encodings, CRS, matching, repair, reporting."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from audit.errors import InputError
from audit.geo import SCHEMATIC_NOTE, detect_dbf_encoding, dissolve_townships, load_boundaries
from audit.geo.match import normalise_codes, short_name


@pytest.fixture(scope="module")
def polygons(small):
    """The small Dataset's polygons as a user file would hold them (codes, names, towns)."""
    geo = small.geometry[["village_code", "township_code", "name", "geometry"]].copy()
    towns = small.townships.set_index("township_code")["name"]
    geo["乡镇"] = geo["township_code"].map(towns).astype(str)
    return geo.reset_index(drop=True)


def _same_shapes(result, expected, tolerance=1e-6):
    merged = result.merge(expected[["village_code", "geometry"]], on="village_code")
    a = gpd.GeoSeries(merged["geometry_x"], crs=4326).to_crs(32648)
    b = gpd.GeoSeries(merged["geometry_y"], crs=4326).to_crs(32648)
    diff = a.symmetric_difference(b).area / b.area
    return bool((diff < tolerance).all()) and len(merged) == len(expected)


def test_match_by_code(small, polygons, tmp_path):
    path = tmp_path / "villages.gpkg"
    polygons.rename(columns={"village_code": "村代码"})[["村代码", "geometry"]].to_file(path)
    result, report = load_boundaries(path, small)
    assert list(result.columns) == [
        "village_code",
        "township_code",
        "name",
        "schematic",
        "geometry",
    ]
    assert result["village_code"].tolist() == small.villages["village_code"].tolist()
    assert not result["schematic"].any()
    assert (report.matched["method"] == "代码").all()
    assert report.complete and report.columns["code"] == "村代码"
    assert _same_shapes(result, polygons)


def test_codes_written_as_numbers_or_land_survey_codes_are_normalised():
    raw = pd.Series(["620523101001.0", "6205231010010000000", " 620523101002 ", "62052310", None])
    out = normalise_codes(raw)
    assert out.tolist()[:3] == ["620523101001", "620523101001", "620523101002"]
    assert out.isna().tolist()[3:] == [True, True]


def test_match_by_name_within_township(small, polygons, tmp_path):
    path = tmp_path / "names.geojson"
    shuffled = polygons.sample(frac=1, random_state=1)
    shuffled[["name", "乡镇", "geometry"]].rename(columns={"name": "村名"}).to_file(path)
    result, report = load_boundaries(path, small)
    assert (report.matched["method"] == "名称").all()
    assert report.columns == {"code": None, "name": "村名", "township": "乡镇"}
    assert report.complete
    assert _same_shapes(result, polygons)


def test_name_match_needs_the_right_township(small, polygons, tmp_path):
    """A village name under the wrong township is not matched, and is reported."""
    frame = polygons[["name", "乡镇", "geometry"]].copy()
    frame.loc[0, "乡镇"] = "古坡镇" if frame.loc[0, "乡镇"] == "新兴镇" else "新兴镇"
    path = tmp_path / "wrong.geojson"
    frame.to_file(path)
    result, report = load_boundaries(path, small)
    assert polygons.loc[0, "village_code"] not in set(result["village_code"])
    assert report.polygons_without_village["feature"].tolist() == [0]
    assert report.villages_without_polygon["village_code"].tolist() == [
        polygons.loc[0, "village_code"]
    ]


def test_short_names_and_township_codes_match(small, polygons, tmp_path):
    frame = polygons[["geometry"]].copy()
    frame["NAME"] = short_name(polygons["name"]) + "村"  # 康庄村民委员会 -> 康庄村
    frame["XZDM"] = polygons["township_code"]
    path = tmp_path / "short.gpkg"
    frame.to_file(path)
    result, report = load_boundaries(path, small)
    assert report.columns["township"] == "XZDM"
    assert report.complete
    assert set(report.matched["method"]) <= {"名称", "简称"}
    assert _same_shapes(result, polygons)


def test_columns_can_be_named_explicitly(small, polygons, tmp_path):
    frame = polygons[["geometry"]].assign(foo=polygons["village_code"])
    path = tmp_path / "foo.gpkg"
    frame.to_file(path)
    with pytest.raises(InputError, match="村代码列或村名列"):
        load_boundaries(path, small)
    result, report = load_boundaries(path, small, code_column="foo")
    assert report.complete and len(result) == len(polygons)
    with pytest.raises(InputError, match="bar"):
        load_boundaries(path, small, code_column="bar")


@pytest.mark.parametrize("epsg", [4547, 32648, 4544])
def test_projected_crs_lands_on_the_same_villages(small, polygons, tmp_path, epsg):
    path = tmp_path / f"projected_{epsg}.shp"
    polygons[["village_code", "geometry"]].rename(columns={"village_code": "CUNDM"}).to_crs(
        epsg
    ).to_file(path)
    result, report = load_boundaries(path, small)
    assert report.source_crs == f"EPSG:{epsg}"
    assert result.crs.to_epsg() == 4326
    assert report.complete
    assert _same_shapes(result, polygons, tolerance=1e-4)
    # The same villages: every reprojected polygon's interior point lies in its original.
    inside = result.merge(polygons[["village_code", "geometry"]], on="village_code")
    points = shapely.point_on_surface(inside["geometry_x"].to_numpy())
    assert shapely.contains(inside["geometry_y"].to_numpy(), points).all()


def test_missing_crs_is_assumed_lonlat_only_when_plausible(small, polygons, tmp_path):
    path = tmp_path / "nocrs.shp"
    polygons[["village_code", "geometry"]].rename(columns={"village_code": "code"}).to_file(path)
    path.with_suffix(".prj").unlink()
    _, report = load_boundaries(path, small)
    assert report.complete and any("EPSG:4326" in n for n in report.notes)
    metric = tmp_path / "nocrs_metric.shp"
    polygons[["geometry"]].assign(code=polygons["village_code"]).to_crs(32648).to_file(metric)
    metric.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match="坐标系") as info:
        load_boundaries(metric, small)
    assert str(metric) in str(info.value)


@pytest.mark.parametrize("cpg", ["GBK", "936", None])
def test_gbk_shapefile_attributes(small, polygons, tmp_path, cpg):
    path = tmp_path / "gbk.shp"
    frame = polygons[["name", "乡镇", "geometry"]].rename(columns={"name": "村名"})
    frame.to_file(path, encoding="GBK")
    cpg_file = path.with_suffix(".cpg")
    if cpg is None:
        cpg_file.unlink(missing_ok=True)
    else:
        cpg_file.write_text(cpg)
    raw = path.with_suffix(".dbf").read_bytes()
    assert "新兴镇".encode("gbk") in raw  # really GBK on disk
    result, report = load_boundaries(path, small)
    assert report.encoding == "gb18030"
    assert report.columns["name"] == "村名"  # the GBK field name decoded too
    assert report.complete, report.summary()
    assert _same_shapes(result, polygons)
    if cpg is None:
        assert detect_dbf_encoding(path.with_suffix(".dbf")) == "gb18030"
        assert any("自动识别" in n for n in report.notes)


def test_utf8_shapefile_without_cpg(small, polygons, tmp_path):
    path = tmp_path / "utf8.shp"
    polygons[["name", "乡镇", "geometry"]].to_file(path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert detect_dbf_encoding(path.with_suffix(".dbf")) == "utf-8"
    _, report = load_boundaries(path, small)
    assert report.encoding == "utf-8" and report.complete


def test_bow_tie_is_repaired_and_reported(small, polygons, tmp_path):
    frame = polygons[["village_code", "geometry"]].copy()
    minx, miny, maxx, maxy = frame.geometry.iloc[3].bounds
    bow_tie = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    assert not bow_tie.is_valid
    frame.loc[3, "geometry"] = bow_tie
    path = tmp_path / "bowtie.gpkg"
    frame.to_file(path)
    result, report = load_boundaries(path, small)
    assert report.repaired["feature"].tolist() == [3]
    assert report.repaired["village_code"].tolist() == [frame.loc[3, "village_code"]]
    assert "Self-intersection" in report.repaired["problem"].iloc[0]
    assert result.is_valid.all() and report.complete
    fixed = result.set_index("village_code").geometry[frame.loc[3, "village_code"]]
    assert fixed.geom_type == "MultiPolygon"
    # Both triangles of the bow tie are kept (buffer(0) would drop one of them).
    assert fixed.area == pytest.approx((maxx - minx) * (maxy - miny) / 2, rel=1e-9)


def test_unmatched_features_and_villages_are_reported(small, polygons, tmp_path):
    frame = polygons[["village_code", "name", "geometry"]].iloc[2:].copy()  # two villages lack
    extra = frame.iloc[:1].copy()
    extra["village_code"], extra["name"] = "620523999999", "不存在村"
    point = frame.iloc[:1].copy()
    point["geometry"] = [shapely.Point(105.3, 34.8)]
    duplicate = frame.iloc[1:2].copy()  # a second part of the same village
    duplicate["geometry"] = duplicate.geometry.translate(0.5, 0)
    frame = pd.concat([frame, extra, point, duplicate], ignore_index=True)
    path = tmp_path / "messy.geojson"
    gpd.GeoDataFrame(frame, crs=4326).to_file(path)
    result, report = load_boundaries(path, small)
    assert not report.complete
    assert report.villages_without_polygon["village_code"].tolist() == (
        polygons["village_code"].iloc[:2].tolist()
    )
    unmatched = report.polygons_without_village.set_index("feature")
    n = len(polygons) - 2
    assert unmatched.index.tolist() == [n, n + 1]
    assert "不在本县村名单" in unmatched.loc[n, "reason"]
    assert "不是面要素" in unmatched.loc[n + 1, "reason"]
    assert report.merged["village_code"].tolist() == [frame.loc[1, "village_code"]]
    assert result.set_index("village_code").geometry[frame.loc[1, "village_code"]].geom_type == (
        "MultiPolygon"
    )
    # Every feature is accounted for: matched or reported.
    accounted = set(report.matched["feature"]) | set(report.polygons_without_village["feature"])
    assert accounted == set(range(len(frame)))
    text = report.summary()
    assert "无边界的村：2 个" in text and "未匹配到村的要素：2 个" in text


def test_bad_files_name_the_file(small, tmp_path):
    missing = tmp_path / "none.gpkg"
    with pytest.raises(InputError) as info:
        load_boundaries(missing, small)
    assert str(missing) in str(info.value) and info.value.exit_code == 2
    txt = tmp_path / "villages.txt"
    txt.write_text("x")
    with pytest.raises(InputError, match="不支持"):
        load_boundaries(txt, small)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(InputError, match="无法读取") as info:
        load_boundaries(broken, small)
    assert str(broken) in str(info.value)
    lonely = tmp_path / "lonely.shp"
    lonely.write_bytes(b"\0" * 100)
    with pytest.raises(InputError, match=r"\.shx"):
        load_boundaries(lonely, small)


def test_gpkg_layer_choice(small, polygons, tmp_path):
    path = tmp_path / "multi.gpkg"
    polygons[["village_code", "geometry"]].iloc[:5].to_file(path, layer="other")
    polygons[["village_code", "geometry"]].to_file(path, layer="villages")
    result, report = load_boundaries(path, small)
    assert report.layer == "villages" and len(result) == len(polygons)
    result, report = load_boundaries(path, small, layer="other")
    assert len(result) == 5
    with pytest.raises(InputError, match="nope"):
        load_boundaries(path, small, layer="nope")


def test_schematic_without_a_file(small):
    result, report = load_boundaries(None, small)
    assert report.schematic and result["schematic"].all()
    assert SCHEMATIC_NOTE in report.summary()
    assert result["village_code"].tolist() == small.villages["village_code"].tolist()
    assert result.crs.to_epsg() == 4326


def test_dissolve_townships(small):
    result, _ = load_boundaries(None, small)
    towns = dissolve_townships(result)
    assert sorted(towns["township_code"]) == sorted(small.townships["township_code"])
    assert np.isclose(towns.to_crs(32648).area.sum(), result.to_crs(32648).area.sum(), rtol=1e-6)
