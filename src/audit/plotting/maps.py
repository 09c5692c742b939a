"""Village choropleth maps for the county and township reports.

:func:`village_map` draws one indicator per village -- a rate (e.g. census-failure rate
among registered households, with an optional interval), a count (e.g. critical
findings), or the readiness status 达标/风险/未达标 -- for the whole county or one
township. It takes a per-village table of values, so it does not depend on how they were
computed. The map is drawn in a metric CRS (the data's UTM zone unless given) with
township boundaries dissolved from the villages, class breaks from
:mod:`audit.plotting.classes`, labels that fit (:mod:`audit.plotting.labels`), a scale bar
and a north arrow (:mod:`audit.plotting.decorations`) and the page layout of
:mod:`audit.plotting.layout`. Maps on schematic polygons say 示意图（非实际边界）.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from audit.errors import InputError
from audit.plotting.annotate import (
    draw_labels,
    draw_numbered,
    draw_township_names,
    label_texts,
    top_villages,
)
from audit.plotting.classes import NO_DATA, Classes, classify_numeric, classify_status
from audit.plotting.decorations import north_arrow, projection_factors, scale_bar
from audit.plotting.fonts import setup_fonts
from audit.plotting.layout import DPI, finish_map, map_extent, new_map_figure

__all__ = ["KINDS", "save_png", "village_map"]

#: Indicator kinds and their default units (appended to the legend heading).
KINDS = {"rate": "%", "count": "户", "status": None}
_HATCH_WIDTH = 0.6
#: A township map lists the villages too small for their label if there are at most this many.
_MAX_LISTED = 12
_LABEL_SIZE = {"county": 6.0, "township": 7.0}


def _utm_crs(villages: gpd.GeoDataFrame) -> str:
    """Return the WGS 84 UTM zone (EPSG:326zz/327zz) of the villages' centre."""
    x0, y0, x1, y1 = villages.to_crs("EPSG:4326").total_bounds
    lon, lat = (x0 + x1) / 2, (y0 + y1) / 2
    zone = int(np.clip((lon + 180) // 6 + 1, 1, 60))
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def _township_code(villages: pd.DataFrame, township, names: dict) -> str:
    key = str(township)
    if key in set(villages["township_code"]):
        return key
    code = next((c for c, n in names.items() if n == key), None)
    if code is None or code not in set(villages["township_code"]):
        raise InputError(
            f"地图中没有乡镇“{township}”", f"no township {township!r} among the map's villages"
        )
    return code


def _unmapped(values: pd.DataFrame, geo: pd.DataFrame, code: str | None) -> int:
    """Count villages with values but without a polygon (in the township, if one)."""
    codes = pd.Index(values["village_code"].astype(str).unique())
    if code is not None:  # a 12-digit village code starts with its township's 9 digits
        codes = codes[codes.str[:9] == code]
    return int((~codes.isin(geo["village_code"])).sum())


def _class_styles(classes: Classes) -> tuple[list, list]:
    """Fill colour and whether it is hatched, per village (no data: white, hatched)."""
    colours = [*classes.colors, NO_DATA[1]]
    hatches = [*classes.hatches, NO_DATA[2]]
    return [colours[c] for c in classes.codes], [hatches[c] is not None for c in classes.codes]


def _draw_classes(ax: Axes, frame: gpd.GeoDataFrame, classes: Classes) -> list[Patch]:
    """Fill villages by class; return legend handles (classes, then no data if any)."""
    styles = list(
        zip(classes.labels, classes.colors, classes.hatches, classes.hatch_colors, strict=True)
    )
    codes = list(range(len(styles)))
    if (classes.codes < 0).any():
        styles.append(NO_DATA)
        codes.append(-1)
    handles = []
    for code, (label, colour, hatch, hatch_colour) in zip(codes, styles, strict=True):
        part = frame[classes.codes == code]
        if len(part):
            part.plot(ax=ax, facecolor=colour, hatch=hatch, edgecolor="#ffffff", linewidth=0.35)
            ax.collections[-1].set_hatchcolor(hatch_colour)
            ax.collections[-1].set_hatch_linewidth(_HATCH_WIDTH)
        handle = Patch(
            facecolor=colour,
            hatch=hatch,
            edgecolor="#4d4d4d",
            linewidth=0.5,
            label=f"{label}（{len(part)} 个村）",
        )
        handle.set_hatchcolor(hatch_colour)
        handle.set_hatch_linewidth(_HATCH_WIDTH)
        handles.append(handle)
    return handles


def village_map(
    villages: gpd.GeoDataFrame,
    values: pd.DataFrame,
    column: str,
    kind: str = "rate",
    *,
    title: str | None = None,
    legend_title: str | None = None,
    unit: str | None = None,
    township=None,
    township_names=None,
    ax: Axes | None = None,
    schematic: bool | None = None,
    scheme: str = "FisherJenks",
    k: int = 5,
    breaks=None,
    low: str | None = None,
    high: str | None = None,
    labels: bool | str = "auto",
    top: int = 10,
    note: str | None = None,
    crs=None,
) -> Figure:
    """Draw a village map of one indicator for the county or one township.

    Parameters
    ----------
    villages : geopandas.GeoDataFrame
        Village polygons (any CRS): ``village_code``, ``township_code``, ``name``,
        ``schematic``, ``geometry``, e.g. from :func:`audit.geo.load_boundaries`. Give all
        villages of the county also for a township map: neighbours are drawn in grey.
    values : pandas.DataFrame
        Per-village values: ``village_code`` and ``column`` (and ``low``/``high``).
        Villages without a row or with a missing value are drawn hatched as 无数据.
    column : str
        The indicator column of ``values``.
    kind : {"rate", "count", "status"}
        ``rate``: a proportion in [0, 1], shown in percent (also for risks such as the
        estimated 漏评 risk); ``count``: households, people or findings; ``status``:
        labels 达标/风险/未达标.
    title : str, optional
        Map title, e.g. ``"甘谷县各村问题户比例"``.
    legend_title : str, optional
        Legend heading (default ``column``); the unit is appended in brackets.
    unit : str, optional
        Unit of the values (default ``%`` for rates, ``户`` for counts, none for status).
    township : str, optional
        Township code (9 digits), or name with ``township_names``: map only its villages
        (their values form the classes).
    township_names : dict or DataFrame, optional
        Township names by code, as a dict or a frame with ``township_code`` and ``name``
        (e.g. ``ds.townships``): used for township labels and ``township`` by name.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (legend and note inside it) instead of a new figure.
    schematic : bool, optional
        Whether the polygons are schematic; default ``villages["schematic"].any()``
        (True when that column is missing). Schematic maps say 示意图（非实际边界）.
    scheme : str, default "FisherJenks"
        mapclassify scheme: ``FisherJenks`` (natural breaks), ``Quantiles``,
        ``EqualInterval``.
    k : int, default 5
        Maximum number of classes.
    breaks : sequence of float, optional
        Upper class bounds (e.g. ``[0.02, 0.05, 0.1]``), overriding ``scheme``.
    low, high : str, optional
        Columns of ``values`` with the interval of the value, shown in labels that fit.
    labels : bool or "auto", default "auto"
        Label villages (name, value) where the text fits inside the polygon: True on
        any map, False never; ``"auto"`` labels them on a township map and, on the
        county map (too small for names), numbers the ``top`` villages with the highest
        values and lists them by name beside the legend.
    top : int, default 10
        How many villages the county map numbers and lists with ``labels="auto"``
        (rates and counts; 0 for none).
    note : str, optional
        A footnote (source, date) under the legend.
    crs : optional
        Metric CRS to draw in; default the UTM zone of the villages (EPSG:32648 here).

    Returns
    -------
    matplotlib.figure.Figure
        A figure not registered with pyplot (no global state; garbage-collected).

    Examples
    --------
    >>> from audit.geo import load_boundaries, village_counts
    >>> villages, _ = load_boundaries(None, ds)  # doctest: +SKIP
    >>> fig = village_map(villages, village_counts(ds), "uninsured_people", "count",
    ...                   unit="人", township_names=ds.townships)  # doctest: +SKIP
    >>> save_png(fig, "county_map.png")  # doctest: +SKIP
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    if villages is None or len(villages) == 0:
        raise InputError(
            "数据集中没有村界（villages.gpkg），无法绘制地图；请用 audit boundaries 导入村界",
            "the Dataset has no village polygons (villages.gpkg); load them with audit boundaries",
        )
    for needed, table in (
        (("village_code", "township_code", "name"), villages),
        (("village_code", column, *(c for c in (low, high) if c)), values),
    ):
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ValueError(f"missing column(s) {missing}")
    setup_fonts()
    if isinstance(township_names, pd.DataFrame):
        township_names = township_names.set_index("township_code")["name"].to_dict()
    names = {str(c): str(n) for c, n in (township_names or {}).items()}
    if schematic is None:
        schematic = bool(villages["schematic"].any()) if "schematic" in villages else True
    crs = crs or _utm_crs(villages)
    keep = [c for c in (column, low, high) if c is not None]
    geo = villages.to_crs(crs).astype({"village_code": str, "township_code": str})
    geo = geo.drop(columns=[c for c in keep if c in geo.columns]).merge(
        values[["village_code", *keep]]
        .astype({"village_code": str})
        .drop_duplicates("village_code"),
        on="village_code",
        how="left",
    )
    code = None if township is None else _township_code(geo, township, names)
    focus = np.ones(len(geo), dtype=bool) if code is None else (geo["township_code"] == code)
    frame = geo[np.asarray(focus)].reset_index(drop=True)

    if ax is None:
        fig, ax, panel = new_map_figure(frame.total_bounds)
    else:
        fig, panel = ax.figure, None
    box = ax.get_position()
    box_w, box_h = box.width * fig.get_figwidth(), box.height * fig.get_figheight()
    xlim, ylim = map_extent(frame.total_bounds, box_w, box_h)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()

    if code is not None:  # neighbouring villages in the view, in grey
        around = geo[~np.asarray(focus)].cx[xlim[0] : xlim[1], ylim[0] : ylim[1]]
        if len(around):
            around.plot(ax=ax, facecolor="#eeeeee", edgecolor="#ffffff", lw=0.3)
    if kind == "status":
        classes = classify_status(frame[column])
    else:
        classes = classify_numeric(frame[column], kind, scheme=scheme, k=k, breaks=breaks)
    handles = _draw_classes(ax, frame, classes)
    towns = geo[["township_code", "geometry"]].dissolve("township_code", as_index=False)
    towns.boundary.plot(ax=ax, color="#262626", linewidth=1.0 if code is None else 0.8)
    if code is None:
        gpd.GeoSeries([towns.union_all()], crs=crs).boundary.plot(ax=ax, color="k", lw=1.6)

    unit = KINDS[kind] if unit is None else unit
    units_per_point = (xlim[1] - xlim[0]) / (box_w * 72)
    county = code is None
    labelled, side = 0, []
    number = {"column": column, "kind": kind, "unit": unit or ""}
    if labels is True or (labels == "auto" and not county):
        size = _LABEL_SIZE["county" if county else "township"]
        candidates = label_texts(frame, kind, column, low, high)
        fills, hatched = _class_styles(classes)
        drawn = draw_labels(ax, frame, candidates, size, units_per_point, fills, hatched)
        labelled = int(drawn.sum())
        missed = frame[~drawn]
        if len(missed) and panel is not None and len(missed) <= _MAX_LISTED:
            lines = draw_numbered(ax, missed, size, units_per_point, **number)
            side = [f"名称放不下的 {len(lines)} 个村（图中编号）", *lines]
    elif labels == "auto" and kind != "status" and top and panel is not None:
        worst = top_villages(frame, column, top)
        size = _LABEL_SIZE["county"]
        lines = draw_numbered(ax, worst, size, units_per_point, township_names=names, **number)
        if lines:
            most = "最多" if kind == "count" else "最高"
            side = [f"{legend_title or column}{most}的 {len(lines)} 个村（图中编号）", *lines]
    draw_township_names(ax, towns, names, code)

    k_scale, convergence = projection_factors(crs, np.mean(xlim), np.mean(ylim))
    scale_bar(ax, scale=k_scale)
    north_arrow(ax, convergence=convergence)

    heading = legend_title or column
    heading = f"{heading}（{unit}）" if unit else heading
    foot = [f"分级：{classes.method}"]
    if labelled:
        foot.append(f"村名：图上放得下的 {labelled} 个村")
        if low is not None and high is not None and kind != "status":
            foot.append("村名下为数值，放得下时括号内为区间")
    unmapped = _unmapped(values, geo, code)
    if unmapped:
        foot.append(f"另有 {unmapped} 个村无村界，未绘制")
    if note:
        foot.append(note)
    if title is None:
        title = f"{names.get(code, code or '')}各村{heading}"
    finish_map(
        fig,
        ax,
        panel,
        title=title,
        heading=heading,
        handles=handles,
        footnotes=foot,
        schematic=schematic,
        side=side,
    )
    return fig


def save_png(fig: Figure, path: str | Path, *, dpi: int = DPI) -> Path:
    """Save a map as PNG at report resolution (200 dpi by default).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
    dpi : int, default 200

    Returns
    -------
    Path
        The file written (parent folders are created).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, facecolor="white")
    return path
