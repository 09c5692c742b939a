"""Village boundaries for the maps: user-supplied polygons matched to villages, or schematic.

:func:`load_boundaries` reads a GeoPackage, Shapefile or GeoJSON in any CRS
(:mod:`audit.geo.read`), repairs invalid polygons with ``shapely.make_valid`` (method
``structure``, OGC validity), matches features to the Dataset's villages
(:mod:`audit.geo.match`) and returns the matched polygons with a
:class:`BoundaryReport` that accounts for every village and every feature: villages
without a polygon, features without a village (with the reason), repairs and merges.
Nothing is dropped silently.

Without a file, the Dataset's schematic polygons are returned (``schematic=True``); every
map drawn on them carries the note :data:`SCHEMATIC_NOTE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from audit.errors import InputError
from audit.geo.match import (
    CODE_COLUMNS,
    NAME_COLUMNS,
    TOWNSHIP_COLUMNS,
    feature_reasons,
    find_column,
    match_features,
)
from audit.geo.read import WGS84, read_boundaries

__all__ = ["SCHEMATIC_NOTE", "BoundaryReport", "dissolve_townships", "load_boundaries"]

#: The note every map on schematic polygons carries.
SCHEMATIC_NOTE = "示意图（非实际边界）"
COLUMNS = ["village_code", "township_code", "name", "schematic", "geometry"]


@dataclass
class BoundaryReport:
    """What happened to every village and every feature when boundaries were loaded.

    Attributes
    ----------
    source : str
        The file read, or ``"示意图"`` for the Dataset's schematic polygons.
    schematic : bool
        True when the polygons are schematic (not real boundaries).
    features : int
        Number of features in the file.
    matched : DataFrame
        ``feature`` (0-based row in the file), ``village_code``, ``method``
        (``代码``, ``名称``, ``简称``).
    villages_without_polygon : DataFrame
        ``village_code``, ``township_code``, ``name`` of villages with no polygon.
    polygons_without_village : DataFrame
        ``feature``, ``code``, ``name``, ``township``, ``reason`` for unmatched features.
    repaired : DataFrame
        ``feature``, ``village_code`` (or NA), ``problem`` (GEOS validity reason).
    merged : DataFrame
        ``village_code``, ``features`` (how many features were merged into it).
    columns : dict
        The file's columns used: ``code``, ``name``, ``township`` (None if absent).
    layer, source_crs, encoding : str or None
        Layer read, CRS of the file, Shapefile attribute encoding.
    notes : list of str
        Choices made while reading (encoding, CRS, layer), in Chinese.
    """

    source: str
    schematic: bool
    features: int
    matched: pd.DataFrame
    villages_without_polygon: pd.DataFrame
    polygons_without_village: pd.DataFrame
    repaired: pd.DataFrame
    merged: pd.DataFrame
    columns: dict = field(default_factory=dict)
    layer: str | None = None
    source_crs: str | None = None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every village has a polygon and every feature found its village."""
        return self.villages_without_polygon.empty and self.polygons_without_village.empty

    def summary(self) -> str:
        """Return a short Chinese account of the matching, one fact per line."""
        if self.schematic:
            return f"村界：{SCHEMATIC_NOTE}，共 {self.features} 个村。"
        by = self.matched["method"].value_counts()
        ways = "，".join(f"按{m} {n} 个" for m, n in by.items())
        lines = [
            f"村界文件：{self.source}（{self.features} 个要素，坐标系 {self.source_crs}）",
            f"匹配到村：{self.matched['village_code'].nunique()} 个（{ways or '无'}）",
            f"无边界的村：{len(self.villages_without_polygon)} 个",
            f"未匹配到村的要素：{len(self.polygons_without_village)} 个",
            f"已修复的无效几何：{len(self.repaired)} 个",
        ]
        if len(self.merged):
            lines.append(f"多个要素合并为一个村：{len(self.merged)} 个村")
        return "\n".join(lines + self.notes)

    def __str__(self) -> str:
        return self.summary()


def _villages(dataset) -> pd.DataFrame:
    vil = dataset.villages[["village_code", "township_code", "name"]]
    return vil.astype({"village_code": str, "township_code": str}).reset_index(drop=True)


def _schematic(dataset) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
    if dataset.geometry is None:
        raise InputError(
            "数据集中没有村界（既无用户提供的边界，也无示意图）",
            "the Dataset has no village polygons (neither user-supplied nor schematic)",
        )
    geo = dataset.geometry.to_crs(WGS84)
    vil = _villages(dataset)
    out = vil.merge(geo[["village_code", "geometry"]], on="village_code", how="inner")
    out = gpd.GeoDataFrame(out.assign(schematic=True)[COLUMNS], geometry="geometry", crs=WGS84)
    missing = vil[~vil["village_code"].isin(out["village_code"])]
    empty = pd.DataFrame({"feature": [], "village_code": [], "method": []})
    report = BoundaryReport(
        source="示意图",
        schematic=True,
        features=len(geo),
        matched=empty,
        villages_without_polygon=missing.reset_index(drop=True),
        polygons_without_village=pd.DataFrame(
            columns=["feature", "code", "name", "township", "reason"]
        ),
        repaired=pd.DataFrame(columns=["feature", "village_code", "problem"]),
        merged=pd.DataFrame(columns=["village_code", "features"]),
    )
    return out, report


_TYPE_NAMES = {0: "点", 1: "线", 2: "线", 4: "多点", 5: "多线", 7: "几何集合"}


def _repair(geoms: gpd.GeoSeries):
    """Repair invalid polygons with ``make_valid``.

    Returns the geometries (2-D), the validity problem found (or None), whether each
    feature has a usable polygon, and, for unusable ones, why (in Chinese).
    """
    arr = shapely.force_2d(geoms.to_numpy())
    kind = shapely.get_type_id(arr)  # -1 missing, 3 Polygon, 6 MultiPolygon
    polygonal = np.isin(kind, (3, 6))
    present = polygonal & ~shapely.is_empty(arr)
    invalid = present & ~shapely.is_valid(arr)
    problem = np.full(len(arr), None, dtype=object)
    if invalid.any():
        problem[invalid] = shapely.is_valid_reason(arr[invalid])
        arr[invalid] = shapely.make_valid(arr[invalid], method="structure", keep_collapsed=False)
    usable = present & ~shapely.is_empty(arr) & np.isin(shapely.get_type_id(arr), (3, 6))
    why = np.full(len(arr), "几何为空", dtype=object)
    other = ~polygonal & (kind >= 0)
    why[other] = [f"不是面要素（{_TYPE_NAMES.get(k, '其他')}）" for k in kind[other]]
    why[present & ~usable] = "无效几何修复后为空"
    return arr, problem, usable, why


def load_boundaries(
    path: str | Path | None,
    dataset,
    *,
    layer: str | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    township_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
    """Load village boundaries and match them to the Dataset's villages.

    Parameters
    ----------
    path : str, Path or None
        A ``.gpkg``, ``.shp`` or ``.geojson``/``.json`` file in any CRS. ``None`` returns
        the Dataset's schematic polygons (``schematic=True``).
    dataset : audit.Dataset
        Supplies ``villages`` (codes, names, townships), ``townships`` and, for
        ``path=None``, ``geometry``.
    layer : str, optional
        GeoPackage layer (default ``villages`` or the first polygon layer).
    code_column, name_column, township_column : str, optional
        Columns of the file holding the village code, the village name and the township
        (code or name). By default detected among common Chinese and English headers
        (:data:`audit.geo.match.CODE_COLUMNS` …).

    Returns
    -------
    villages : geopandas.GeoDataFrame
        One row per matched village, in the Dataset's village order: ``village_code``,
        ``township_code``, ``name`` (the Dataset's), ``schematic`` and ``geometry``
        (valid Polygon/MultiPolygon, EPSG:4326).
    report : BoundaryReport
        Matches, villages without polygon, features without village, repairs, merges.

    Raises
    ------
    InputError
        If the file cannot be used (missing, unreadable, empty, no CRS, no code or name
        column, or a column given by name is absent). Unmatched villages or features are
        reported, not raised.

    Examples
    --------
    >>> villages, report = load_boundaries("村界.shp", ds)  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """
    if path is None:
        return _schematic(dataset)
    raw = read_boundaries(path, layer=layer)
    frame = raw.frame
    cols = {}
    for key, candidates, given in (
        ("code", CODE_COLUMNS, code_column),
        ("name", NAME_COLUMNS, name_column),
        ("township", TOWNSHIP_COLUMNS, township_column),
    ):
        cols[key] = find_column(frame.columns.drop(frame.geometry.name), candidates, given)
        if given is not None and cols[key] is None:
            raise InputError(
                f"边界文件中没有指定的列“{given}”",
                f"the boundary file has no column {given!r}",
                file=str(path),
                column=given,
            )
    if cols["code"] is None and cols["name"] is None:
        raise InputError(
            "边界文件中找不到村代码列或村名列：请用 code_column / name_column 指定",
            "no village code or name column found in the boundary file: name one explicitly",
            file=str(path),
        )
    geoms, problem, usable, geom_problem = _repair(frame.geometry)

    def col(key):
        if cols[key] is None:
            return pd.Series(pd.NA, index=frame.index, dtype="string")
        return frame[cols[key]].astype("string").str.strip().replace("", pd.NA)

    features = pd.DataFrame(
        {
            "feature": frame.index.to_numpy(),
            "code_raw": col("code"),
            "name_raw": col("name"),
            "town_raw": col("township"),
            "usable": usable,
            "geom_problem": geom_problem,
        }
    )
    vil = _villages(dataset)
    matched = match_features(features, vil, dataset.townships)
    reasons = feature_reasons(features, matched)
    unmatched = features[reasons.notna()]
    polygons_without_village = pd.DataFrame(
        {
            "feature": unmatched["feature"],
            "code": unmatched["code_raw"],
            "name": unmatched["name_raw"],
            "township": unmatched["town_raw"],
            "reason": reasons[reasons.notna()],
        }
    ).reset_index(drop=True)
    fixed = pd.notna(problem)
    repaired = pd.DataFrame({"feature": frame.index[fixed], "problem": problem[fixed]})
    repaired = repaired.merge(matched[["feature", "village_code"]], on="feature", how="left")
    repaired = repaired[["feature", "village_code", "problem"]].reset_index(drop=True)

    parts = matched.assign(geometry=geoms[matched["feature"].to_numpy(dtype=int)])
    counts = parts.groupby("village_code").size()
    merged = counts[counts > 1].rename("features").reset_index()
    polys = gpd.GeoDataFrame(parts, geometry="geometry", crs=WGS84)
    polys = polys.dissolve("village_code", as_index=False)[["village_code", "geometry"]]
    out = vil.merge(polys, on="village_code", how="inner").assign(schematic=False)
    out = gpd.GeoDataFrame(out[COLUMNS], geometry="geometry", crs=WGS84)
    report = BoundaryReport(
        source=str(path),
        schematic=False,
        features=len(frame),
        matched=matched,
        villages_without_polygon=vil[~vil["village_code"].isin(out["village_code"])].reset_index(
            drop=True
        ),
        polygons_without_village=polygons_without_village,
        repaired=repaired,
        merged=merged,
        columns=cols,
        layer=raw.layer,
        source_crs=raw.source_crs,
        encoding=raw.encoding,
        notes=raw.notes,
    )
    return out, report


def dissolve_townships(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve village polygons into township polygons.

    Parameters
    ----------
    villages : geopandas.GeoDataFrame
        Columns ``township_code`` and ``geometry``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per township: ``township_code``, ``geometry`` (same CRS).
    """
    out = villages[["township_code", "geometry"]].dissolve("township_code", as_index=False)
    return out.reset_index(drop=True)
