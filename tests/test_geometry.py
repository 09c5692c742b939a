"""Tests for audit.synth.geometry.schematic_villages."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from audit.synth.geometry import (
    METRIC_CRS,
    _pull_inside,
    _township_regions,
    schematic_villages,
)

REF = Path(__file__).resolve().parents[1] / "data" / "reference" / "gangu"
if not REF.exists():
    REF = Path("/work/shared/data/gangu")

AREA_RTOL = 0.005  # 0.5 %
OVERLAP_TOL_M2 = 1.0


def _townships_input() -> pd.DataFrame:
    pts = pd.read_csv(REF / "township_points_amap.csv", dtype=str)
    return pd.DataFrame(
        {
            "township_code": pts["code"],
            "lon": pts["lon_wgs84"].astype(float),
            "lat": pts["lat_wgs84"].astype(float),
        }
    )


@pytest.fixture(scope="module")
def ref():
    townships = _townships_input()
    villages = pd.read_csv(REF / "villages.csv", dtype=str).rename(columns={"code": "village_code"})
    outline = gpd.read_file(REF / "county_boundary_wgs84.geojson").geometry.iloc[0]
    result = schematic_villages(townships, villages, outline)
    return townships, villages, outline, result


@pytest.fixture(scope="module")
def metric(ref):
    _, _, outline, result = ref
    # Densified like the module does, so recomputed township regions match exactly.
    dense = shapely.segmentize(outline, 0.005)
    outline_m = gpd.GeoSeries([dense], crs=4326).to_crs(METRIC_CRS).iloc[0]
    return outline_m, result.to_crs(METRIC_CRS)


def test_rows_codes_and_crs(ref):
    _, villages, _, result = ref
    assert len(result) == 415
    assert list(result.columns) == ["village_code", "township_code", "schematic", "geometry"]
    assert result["village_code"].tolist() == villages["village_code"].tolist()
    assert result["township_code"].tolist() == villages["township_code"].tolist()
    assert result["schematic"].all()
    assert result.crs.to_epsg() == 4326


def test_geometries_valid_nonempty_polygonal(ref):
    result = ref[3]
    assert result.is_valid.all()
    assert not result.is_empty.any()
    assert result.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert (result.to_crs(METRIC_CRS).area > 0).all()


def test_total_area_matches_outline(metric):
    outline_m, result_m = metric
    assert result_m.area.sum() == pytest.approx(outline_m.area, rel=AREA_RTOL)
    assert result_m.union_all().symmetric_difference(outline_m).area < AREA_RTOL * outline_m.area


def test_no_pairwise_overlap(metric):
    _, result_m = metric
    gdf = result_m[["village_code", "geometry"]].reset_index(drop=True)
    pairs = gpd.sjoin(gdf, gdf, predicate="intersects")
    pairs = pairs[pairs.index < pairs["index_right"]]
    assert len(pairs) > 400  # neighbours exist
    left = gdf.geometry.to_numpy()[pairs.index.to_numpy()]
    right = gdf.geometry.to_numpy()[pairs["index_right"].to_numpy()]
    overlap = shapely.area(shapely.intersection(left, right))
    assert overlap.max() < OVERLAP_TOL_M2


def test_township_villages_tile_township_region(ref, metric):
    townships, villages, _, _ = ref
    outline_m, result_m = metric
    # Recompute the township regions the same way the module does.
    pts = gpd.GeoSeries(gpd.points_from_xy(townships["lon"], townships["lat"]), crs=4326).to_crs(
        METRIC_CRS
    )
    xy = _pull_inside(shapely.get_coordinates(pts.to_numpy()), outline_m)
    extent = shapely.box(*outline_m.buffer(10_000).bounds)
    _, regions = _township_regions(xy, outline_m, extent)
    region_of = dict(zip(townships["township_code"], regions, strict=True))

    for code, group in result_m.groupby("township_code"):
        region = region_of[code]
        union = group.union_all()
        assert group.area.sum() == pytest.approx(region.area, rel=AREA_RTOL), code
        assert union.symmetric_difference(region).area < AREA_RTOL * region.area, code
    # Every township with villages got a non-trivial region.
    counts = villages["township_code"].value_counts()
    areas = result_m.dissolve("township_code").area
    assert set(areas.index) == set(counts.index)
    assert areas.max() / areas.min() < 5


def test_villages_inside_outline(ref, metric):
    _, _, outline, result = ref
    outline_m, result_m = metric
    centroids = result_m.centroid.to_crs(4326).to_numpy()
    assert shapely.contains(outline, centroids).all()
    assert result_m.centroid.within(outline_m).all()
    assert result_m.within(outline_m.buffer(1.0)).all()
    assert result.within(outline.buffer(1e-7)).all()  # ~1 cm in degrees


def test_deterministic(ref):
    townships, villages, outline, result = ref
    again = schematic_villages(townships, villages, outline)
    assert (result.geometry.to_wkb() == again.geometry.to_wkb()).all()
    assert result.geometry.geom_equals_exact(again.geometry, tolerance=0).all()


def test_different_seed_differs(ref):
    townships, villages, outline, result = ref
    other = schematic_villages(townships, villages, outline, seed=1)
    assert other.is_valid.all()
    same = result.geometry.geom_equals_exact(other.geometry, tolerance=1e-9)
    assert same.mean() < 0.1


# --- tiny synthetic case ------------------------------------------------------------------

SQUARE = shapely.box(105.0, 34.8, 105.2, 34.95)  # about 18 km x 16.6 km


def _square_m():
    return gpd.GeoSeries([SQUARE], crs=4326).to_crs(METRIC_CRS).iloc[0]


def _tiny_inputs(outside_lon: float = 105.30):
    townships = pd.DataFrame(
        {
            "township_code": ["620000001", "620000002"],
            "lon": [105.05, outside_lon],
            "lat": [34.875, 34.875],
        }
    )
    villages = pd.DataFrame(
        {
            "village_code": [
                "620000002003",
                "620000001001",
                "620000002001",
                "620000001002",
                "620000002002",
            ],
            "township_code": ["620000002", "620000001", "620000002", "620000001", "620000002"],
            "name": list("abcde"),
        }
    )
    return townships, villages


def test_tiny_outside_point_is_pulled_in():
    townships, villages = _tiny_inputs()
    result = schematic_villages(townships, villages, SQUARE)
    assert result["village_code"].tolist() == villages["village_code"].tolist()
    assert result.is_valid.all() and not result.is_empty.any()
    assert result.within(SQUARE.buffer(1e-7)).all()
    result_m = result.to_crs(METRIC_CRS)
    square_m = _square_m()
    assert result_m.area.sum() == pytest.approx(square_m.area, rel=1e-6)
    # The township whose point lies east of the square gets the eastern part.
    by_town = result_m.dissolve("township_code")
    centroid_x = by_town.centroid.x
    assert centroid_x["620000002"] > centroid_x["620000001"]
    assert by_town.area.min() > 0.2 * square_m.area


def test_pull_inside_helper():
    square_m = _square_m()
    cx, cy = square_m.centroid.coords[0]
    xmax = square_m.bounds[2]
    xy = np.array(
        [
            [cx, cy],  # deep inside: unchanged
            [xmax + 5_000.0, cy],  # outside
            [xmax - 500.0, cy + 100.0],  # inside but within 1.5 km of the edge
            [xmax + 5_000.0, cy],  # duplicate of an outside point
        ]
    )
    out = _pull_inside(xy, square_m)
    np.testing.assert_array_equal(out[0], xy[0])
    dist = shapely.distance(square_m.boundary, shapely.points(out))
    assert shapely.contains_xy(square_m, out[:, 0], out[:, 1]).all()
    assert (dist[1:] > 1_500.0).all()
    assert np.hypot(*(out[1] - out[3])) >= 1.0


def test_single_village_township_gets_its_region():
    townships, villages = _tiny_inputs(outside_lon=105.15)
    villages = villages[villages["township_code"] == "620000002"].iloc[:1]
    villages = pd.concat([villages, _tiny_inputs()[1].iloc[[1]]])
    result = schematic_villages(townships, villages, SQUARE)
    assert len(result) == 2
    assert result.to_crs(METRIC_CRS).area.sum() == pytest.approx(_square_m().area, rel=1e-6)


def test_missing_township_point_raises():
    townships, villages = _tiny_inputs()
    villages.loc[0, "township_code"] = "620000003"
    with pytest.raises(ValueError, match=r"no township point.*620000003"):
        schematic_villages(townships, villages, SQUARE)


def test_nan_township_point_raises():
    townships, villages = _tiny_inputs()
    townships.loc[1, "lat"] = np.nan
    with pytest.raises(ValueError, match=r"no township point.*620000002"):
        schematic_villages(townships, villages, SQUARE)
