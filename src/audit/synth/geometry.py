"""Schematic village polygons for a county without public sub-county boundaries.

No public township or village boundary polygons exist for 甘谷县 (620523). This module
draws a *schematic* tessellation instead:

1. Township seed points (e.g. Amap "centers") are moved inside the county outline when they
   lie outside it or very close to its edge.
2. Township regions are the Voronoi cells of those seeds, clipped to the outline, relaxed by a
   few damped Lloyd steps so that no region is absurdly small or large.
3. Inside every township region one random seed per village is drawn (rejection sampling
   with a generator keyed on ``(seed, township_code)``), relaxed with Lloyd iterations, and
   the village polygons are the Voronoi cells clipped to the township region.

All geometric work happens in UTM zone 48N (EPSG:32648); results are returned in EPSG:4326.
The polygons are *not* real administrative boundaries and are flagged ``schematic=True``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["schematic_villages"]

WGS84 = "EPSG:4326"
METRIC_CRS = "EPSG:32648"  # UTM zone 48N, covers 102-108 E

# Township seeds closer than this to the outline edge (or outside it) are pulled inside.
_EDGE_DISTANCE_M = 1500.0
# ... onto the outline shrunk inward by this distance.
_INWARD_BUFFER_M = 2000.0
# Damped Lloyd relaxation of township seeds: number of steps and step size (0 = none, 1 = full).
_TOWNSHIP_RELAX_STEPS = 3
_TOWNSHIP_RELAX_STEP = 0.5
# Lloyd iterations for village seeds inside a township region.
_VILLAGE_LLOYD_STEPS = 5
# Detached parts of a village cell below this share of its area go to a neighbour.
_FRAGMENT_SHARE = 0.1
# Densify the WGS84 outline to this segment length (degrees, ~500 m) before projecting.
_MAX_SEGMENT_DEG = 0.005
# Margin (m) of the Voronoi extent beyond the outline's bounding box.
_EXTENT_MARGIN_M = 10_000.0


def schematic_villages(
    townships: pd.DataFrame,
    villages: pd.DataFrame,
    outline: BaseGeometry,
    *,
    seed: int = 620523,
) -> gpd.GeoDataFrame:
    """Draw schematic village polygons tiling a county outline.

    Township regions are Voronoi cells of the (adjusted) township points clipped to the
    outline; village polygons are Lloyd-relaxed Voronoi cells inside each township region.
    The result is deterministic for given inputs and ``seed``.

    Parameters
    ----------
    townships : pandas.DataFrame
        Columns ``township_code``, ``lon``, ``lat`` (WGS84 degrees). Codes must be unique and
        consist of digits (they key the random generator). Townships without villages are
        ignored (they get no region).
    villages : pandas.DataFrame
        Columns ``village_code`` and ``township_code``; other columns are ignored. Village
        codes must be unique.
    outline : shapely.Polygon or shapely.MultiPolygon
        County outline in EPSG:4326.
    seed : int, default 620523
        Base seed; the generator for a township is ``numpy.random.default_rng([seed,
        int(township_code)])``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per village, in the order (and with the index) of `villages`, with columns
        ``village_code``, ``township_code``, ``schematic`` (always ``True``) and ``geometry``
        (a non-empty, valid Polygon or MultiPolygon); CRS EPSG:4326.

    Raises
    ------
    ValueError
        If required columns are missing, codes are duplicated or not numeric, the outline is
        not polygonal, or a village's township has no point.

    Notes
    -----
    Within a township, village codes (sorted ascending) are matched to seeds sorted by
    distance from the township seed, so low codes -- in NBS numbering the residents'
    committees (``xxx0xx``) -- sit near the township centre.
    """
    _require_columns(townships, ("township_code", "lon", "lat"), "townships")
    _require_columns(villages, ("village_code", "township_code"), "villages")
    if not isinstance(outline, BaseGeometry) or outline.geom_type not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise ValueError(f"outline must be a shapely Polygon or MultiPolygon, got {outline!r}")
    if outline.is_empty:
        raise ValueError("outline is empty")

    t_codes = townships["township_code"].astype(str).to_numpy()
    v_codes = villages["village_code"].astype(str).to_numpy()
    v_towns = villages["township_code"].astype(str).to_numpy()
    dup_t = pd.Series(t_codes).duplicated()
    if dup_t.any():
        raise ValueError(f"duplicate township_code in townships: {sorted(set(t_codes[dup_t]))}")
    dup_v = pd.Series(v_codes).duplicated()
    if dup_v.any():
        raise ValueError(f"duplicate village_code in villages: {sorted(set(v_codes[dup_v]))[:10]}")
    lonlat = townships[["lon", "lat"]].to_numpy(dtype=float)
    has_point = np.isfinite(lonlat).all(axis=1)  # NaN lon/lat counts as "no point"
    missing = sorted(set(v_towns) - set(t_codes[has_point]))
    if missing:
        raise ValueError(
            f"no township point for township_code(s) {missing} "
            f"(referenced by {int(np.isin(v_towns, missing).sum())} village(s))"
        )
    if not all(code.isdigit() for code in set(v_towns)):
        raise ValueError("township codes must consist of digits (they seed the generator)")

    # Only townships that actually have villages get a region; keep the input order.
    used = np.isin(t_codes, v_towns) & has_point
    t_codes, lonlat = t_codes[used], lonlat[used]

    # Project to a metric CRS. Densify first so that straight edges in degrees stay (almost)
    # straight in degrees after the round trip through UTM.
    dense = shapely.segmentize(outline, _MAX_SEGMENT_DEG)
    outline_m = gpd.GeoSeries([dense], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    outline_m = _polygonal(shapely.make_valid(outline_m))
    pts_m = gpd.GeoSeries(gpd.points_from_xy(lonlat[:, 0], lonlat[:, 1]), crs=WGS84)
    xy = shapely.get_coordinates(pts_m.to_crs(METRIC_CRS).to_numpy())
    shapely.prepare(outline_m)

    xmin, ymin, xmax, ymax = outline_m.bounds
    margin = _EXTENT_MARGIN_M
    extent = shapely.box(xmin - margin, ymin - margin, xmax + margin, ymax + margin)

    xy = _pull_inside(xy, outline_m)
    xy, regions = _township_regions(xy, outline_m, extent)

    # Village cells per township.
    cell_of: dict[str, BaseGeometry] = {}
    for code, anchor, region in zip(t_codes, xy, regions, strict=True):
        members = sorted(v_codes[v_towns == code])
        rng = np.random.default_rng([seed, int(code)])
        cells = _village_cells(region, len(members), anchor, rng, extent)
        cell_of.update(zip(members, cells, strict=True))

    geoms_m = gpd.GeoSeries([cell_of[c] for c in v_codes], crs=METRIC_CRS)
    geoms = geoms_m.to_crs(WGS84)
    invalid = ~geoms.is_valid.to_numpy()
    if invalid.any():  # reprojection can, rarely, create self-touching rings
        fixed = [_polygonal(shapely.make_valid(g)) for g in geoms.to_numpy()[invalid]]
        arr = geoms.to_numpy().copy()
        arr[invalid] = fixed
        geoms = gpd.GeoSeries(arr, crs=WGS84)

    return gpd.GeoDataFrame(
        {
            "village_code": villages["village_code"].astype(str).to_numpy(),
            "township_code": v_towns,
            "schematic": np.ones(len(v_codes), dtype=bool),
        },
        geometry=geoms.to_numpy(),
        crs=WGS84,
        index=villages.index.copy(),
    )


def _require_columns(df: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """Raise ValueError if `df` lacks any of `columns`."""
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise ValueError(f"{name} is missing column(s) {absent}; got {list(df.columns)}")


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Return the polygonal part of `geom` as a Polygon or MultiPolygon (possibly empty)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [
        q
        for p in shapely.get_parts(geom)
        if p.geom_type in ("Polygon", "MultiPolygon")
        for q in shapely.get_parts(p)
        if not q.is_empty
    ]
    if not polys:
        return shapely.Polygon()
    if len(polys) == 1:
        return polys[0]
    return shapely.MultiPolygon(polys)


def _inward_distance(outline_m: BaseGeometry) -> float:
    """Inward buffer distance, reduced for outlines too small for the default."""
    return min(_INWARD_BUFFER_M, 0.2 * np.sqrt(outline_m.area))


def _pull_inside(xy: np.ndarray, outline_m: BaseGeometry) -> np.ndarray:
    """Move points outside or near the edge of `outline_m` onto the inward-buffered outline.

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` metric coordinates.
    outline_m : shapely.Polygon or shapely.MultiPolygon
        Outline in the same metric CRS.

    Returns
    -------
    numpy.ndarray
        Adjusted ``(n, 2)`` coordinates, all strictly inside `outline_m` and pairwise distinct.
    """
    xy = np.array(xy, dtype=float, copy=True)
    inward = _inward_distance(outline_m)
    edge = min(_EDGE_DISTANCE_M, 0.75 * inward)
    pts = shapely.points(xy)
    inside = shapely.contains_xy(outline_m, xy[:, 0], xy[:, 1])
    near = shapely.distance(outline_m.boundary, pts) < edge
    move = ~inside | near
    if move.any():
        inner = outline_m.buffer(-inward)
        if inner.is_empty:
            rep = shapely.get_coordinates(outline_m.representative_point())
            target = np.repeat(rep, move.sum(), axis=0)
        else:
            # shortest_line(a, b) starts on a: the nearest point of the inner outline.
            lines = shapely.shortest_line(inner, pts[move])
            target = shapely.get_coordinates(shapely.get_point(lines, 0))
        xy[move] = target

    # Separate coincident points (e.g. two far-outside points snapped to the same spot) by
    # nudging later duplicates towards the outline's representative point.
    rep = shapely.get_coordinates(outline_m.representative_point())[0]
    for i in range(1, len(xy)):
        k = 1
        while np.min(np.hypot(*(xy[:i] - xy[i]).T)) < 1.0:
            candidate = xy[i] + (rep - xy[i]) * min(0.05 * k, 1.0)
            if k > 20 or not shapely.contains_xy(outline_m, *candidate):
                candidate = xy[i] + np.array([1.0, 0.5]) * 100.0 * k
            xy[i] = candidate
            k += 1
    return xy


def _voronoi_cells(xy: np.ndarray, extent: BaseGeometry) -> np.ndarray:
    """Voronoi cells of `xy` (one per point, in point order) covering `extent`."""
    if len(xy) == 1:
        return np.array([extent], dtype=object)
    diagram = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=extent, ordered=True)
    cells = shapely.get_parts(diagram)
    if len(cells) != len(xy):
        raise RuntimeError(f"Voronoi diagram has {len(cells)} cells for {len(xy)} seed points")
    return cells


def _clipped_cells(xy: np.ndarray, region: BaseGeometry, extent: BaseGeometry) -> np.ndarray:
    """Voronoi cells of `xy` intersected with `region`, reduced to polygonal parts."""
    clipped = shapely.intersection(_voronoi_cells(xy, extent), region)
    return np.array([_polygonal(g) for g in clipped], dtype=object)


def _inner_points(cells: np.ndarray, region: BaseGeometry) -> np.ndarray:
    """Centroids of `cells`, replaced by a point on the cell's surface if outside `region`."""
    xy = shapely.get_coordinates(shapely.centroid(cells))
    outside = ~shapely.contains_xy(region, xy[:, 0], xy[:, 1])
    if outside.any():
        xy[outside] = shapely.get_coordinates(shapely.point_on_surface(cells[outside]))
    return xy


def _township_regions(
    xy: np.ndarray, outline_m: BaseGeometry, extent: BaseGeometry
) -> tuple[np.ndarray, np.ndarray]:
    """Relax township seeds with damped Lloyd steps and return seeds and clipped regions."""
    for _ in range(_TOWNSHIP_RELAX_STEPS):
        target = _inner_points(_clipped_cells(xy, outline_m, extent), outline_m)
        new = xy + _TOWNSHIP_RELAX_STEP * (target - xy)
        # Keep the moved seed only where it stays inside the outline.
        ok = shapely.contains_xy(outline_m, new[:, 0], new[:, 1])
        xy = np.where(ok[:, None], new, target)
    regions = _clipped_cells(xy, outline_m, extent)
    if any(r.is_empty for r in regions):
        raise RuntimeError("a township region is empty after clipping to the outline")
    return xy, regions


def _absorb_fragments(cells: np.ndarray) -> np.ndarray:
    """Hand small detached parts of multi-part cells to the neighbour sharing most border.

    A Voronoi cell clipped to a non-convex region can fall apart into a main part and small
    crumbs. A part smaller than ``_FRAGMENT_SHARE`` of its cell is merged into the adjacent cell
    with the longest common border; parts touching no other cell are kept. The union of all
    cells is unchanged.
    """
    cells = cells.copy()
    for i in range(len(cells)):
        if cells[i].geom_type != "MultiPolygon":
            continue
        parts = shapely.get_parts(cells[i])
        areas = shapely.area(parts)
        keep = [int(np.argmax(areas))]
        for k in np.flatnonzero(areas < _FRAGMENT_SHARE * areas.sum()):
            if k == keep[0]:
                continue
            shared = shapely.length(
                shapely.intersection(parts[k].boundary, shapely.boundary(cells))
            )
            shared[i] = 0.0
            j = int(np.argmax(shared))
            if shared[j] > 0.0:
                cells[j] = _polygonal(shapely.union(cells[j], parts[k]))
            else:
                keep.append(int(k))
        keep += [int(k) for k in np.flatnonzero(areas >= _FRAGMENT_SHARE * areas.sum())]
        kept = parts[sorted(set(keep))]
        cells[i] = kept[0] if len(kept) == 1 else shapely.MultiPolygon(list(kept))
    return cells


def _sample_in(region: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw `n` uniform points strictly inside `region` by rejection sampling."""
    xmin, ymin, xmax, ymax = region.bounds
    shapely.prepare(region)
    fill = region.area / max((xmax - xmin) * (ymax - ymin), 1e-12)
    batch = max(64, int(np.ceil(2.0 * n / max(fill, 0.01))))
    found: list[np.ndarray] = []
    total = 0
    for _ in range(1000):
        cand = rng.uniform((xmin, ymin), (xmax, ymax), size=(batch, 2))
        cand = cand[shapely.contains_xy(region, cand[:, 0], cand[:, 1])]
        found.append(cand)
        total += len(cand)
        if total >= n:
            return np.concatenate(found)[:n]
    raise RuntimeError("rejection sampling failed to find enough points inside a region")


def _village_cells(
    region: BaseGeometry,
    n: int,
    anchor: np.ndarray,
    rng: np.random.Generator,
    extent: BaseGeometry,
) -> np.ndarray:
    """Tile `region` with `n` Lloyd-relaxed Voronoi cells, ordered by distance to `anchor`."""
    if n == 1:
        return np.array([region], dtype=object)
    xy = _sample_in(region, n, rng)
    for _ in range(_VILLAGE_LLOYD_STEPS):
        xy = _inner_points(_clipped_cells(xy, region, extent), region)
    cells = _absorb_fragments(_clipped_cells(xy, region, extent))
    if any(c.is_empty for c in cells):
        raise RuntimeError("a village cell is empty after clipping to its township region")
    d = xy - anchor
    order = np.lexsort((np.arctan2(d[:, 1], d[:, 0]), np.hypot(d[:, 0], d[:, 1])))
    return cells[order]
