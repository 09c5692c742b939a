"""Text on the map: village labels that fit, numbered markers of the worst villages, towns.

Village labels follow :mod:`audit.plotting.labels`: name (and value, and interval) only
where the text fits inside the polygon. Where a name cannot fit, a circled number can
(again only where it fits), and the legend panel lists the numbered villages by name:
on the county map, whose villages are mostly too small for names, the villages with the
highest values (by rank); on a township map, the few villages too small for their name.
The reader sees where each village is and can read who it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.colors import to_rgb

from audit.plotting.labels import fit_labels, short_village_name

__all__ = [
    "draw_labels",
    "draw_numbered",
    "draw_township_names",
    "format_value",
    "label_texts",
    "top_villages",
]

_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def format_value(value: float, kind: str) -> str:
    """Format a rate in percent (one decimal) or a count as an integer; '' if missing."""
    if not np.isfinite(value):
        return ""
    return f"{100 * value:.1f}%" if kind == "rate" else f"{value:,.0f}"


def label_texts(frame, kind: str, column: str, low=None, high=None) -> list:
    """Candidate label texts per village, best first.

    Name with value and interval, name with value, name alone (status maps: the name).
    """
    names = short_village_name(frame["name"]).fillna("").to_numpy(dtype=object)
    if kind == "status":
        return [names]
    values = [format_value(v, kind) for v in frame[column].to_numpy(dtype=float)]
    with_value = [f"{n}\n{v}" if v else "" for n, v in zip(names, values, strict=True)]
    if low is None or high is None:
        return [with_value, names]
    scale = 100 if kind == "rate" else 1
    ranges = [
        f"{n}\n{v} ({scale * lo:.0f}–{scale * hi:.0f})" if v and np.isfinite([lo, hi]).all() else ""
        for n, v, lo, hi in zip(names, values, frame[low], frame[high], strict=True)
    ]
    return [ranges, with_value, names]


def _ink(fills, hatched) -> tuple[list, list]:
    """Text colour and halo per label: white on dark fills, near-black on light ones.

    A halo (drawn as a stroked outline of every glyph, which is slow) is used only on
    hatched fills, where the hatch lines would otherwise cross the text.
    """
    rgb = np.array([to_rgb(f) for f in fills]).reshape(-1, 3)
    dark = rgb @ np.array([0.299, 0.587, 0.114]) < 0.45
    colours = np.where(dark, "#ffffff", "#1a1a1a")
    halos = [
        ([patheffects.withStroke(linewidth=1.6, foreground="#1a1a1a" if d else "white")])
        if h
        else None
        for d, h in zip(dark, hatched, strict=True)
    ]
    return list(colours), halos


def draw_labels(
    ax, frame, candidates, fontsize: float, units_per_point: float, fills=None, hatched=None
) -> np.ndarray:
    """Draw the village labels that fit; return a mask of the villages labelled.

    ``fills`` (colour per village) and ``hatched`` (bool per village) choose the text
    colour and halo, see :func:`_ink`; by default dark text with a white halo.
    """
    x, y, text = fit_labels(frame.geometry.to_numpy(), candidates, fontsize, units_per_point)
    n = len(frame)
    fills = ["#ffffff"] * n if fills is None else fills
    hatched = [True] * n if hatched is None else hatched
    colours, halos = _ink(fills, hatched)
    for xi, yi, t, colour, halo in zip(x, y, text, colours, halos, strict=True):
        if t:  # the villages shown: a few hundred at most
            ax.text(
                xi,
                yi,
                t,
                ha="center",
                va="center",
                fontsize=fontsize,
                linespacing=1.1,
                color=colour,
                path_effects=halo,
                zorder=12,
            )
    return np.array([t is not None for t in text], dtype=bool)


def _value_text(value, kind: str, unit: str) -> str:
    if kind == "status":
        return "无数据" if pd.isna(value) else str(value)
    shown = format_value(float(value), kind)
    if not shown:
        return "无数据"
    return shown + (f" {unit}" if unit and kind == "count" else "")


def draw_numbered(
    ax,
    frame,
    fontsize: float,
    units_per_point: float,
    *,
    column: str,
    kind: str,
    unit: str = "",
    township_names: dict | None = None,
) -> list[str]:
    """Mark villages with circled numbers 1, 2, … and return the matching legend lines.

    A marker is drawn where it fits inside the village; a village too small even for
    that is listed with 「图上未标」. Lines read ``1  [township] village  value``.
    """
    numbers = [str(i) for i in range(1, len(frame) + 1)]
    x, y, text = fit_labels(
        frame.geometry.to_numpy(), [numbers], fontsize, units_per_point, pad=0.5
    )
    names = short_village_name(frame["name"]).fillna("").tolist()
    towns = township_names or {}
    lines = []
    for number, xi, yi, t, town, name, value in zip(  # at most a dozen villages
        numbers, x, y, text, frame["township_code"], names, frame[column], strict=True
    ):
        if t:
            ax.text(
                xi,
                yi,
                number,
                ha="center",
                va="center",
                fontsize=fontsize,
                zorder=15,
                bbox={
                    "boxstyle": "circle,pad=0.18",
                    "facecolor": "white",
                    "edgecolor": "#000000",
                    "linewidth": 0.6,
                },
            )
        place = f"{towns[town]} {name}" if town in towns else name
        missing = "" if t else "（图上未标）"
        lines.append(f"{number:>2}  {place}  {_value_text(value, kind, unit)}{missing}")
    return lines


def top_villages(frame, column: str, top: int):
    """The ``top`` villages with the highest values, ties broken by village code."""
    values = pd.to_numeric(frame[column], errors="coerce")
    return (
        frame.assign(_v=values)
        .dropna(subset=["_v"])
        .sort_values(["_v", "village_code"], ascending=[False, True], kind="stable")
        .head(top)
        .drop(columns="_v")
    )


def draw_township_names(ax, towns, names: dict, focus_code: str | None) -> None:
    """Township names: all on the county map, the neighbours (grey) on a township map."""
    if not names:
        return
    points = shapely.get_point(shapely.maximum_inscribed_circle(towns.geometry.to_numpy()), 0)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    county = focus_code is None
    for code, point in zip(towns["township_code"], points, strict=True):  # 15 townships
        inside = x0 < point.x < x1 and y0 < point.y < y1
        if code not in names or code == focus_code or not inside:
            continue
        ax.text(
            point.x,
            point.y,
            names[code],
            ha="center",
            va="center",
            fontsize=11 if county else 8,
            color="#000000" if county else "#737373",
            path_effects=_HALO,
            zorder=14,
        )
