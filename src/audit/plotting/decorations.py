"""Map furniture: a scale bar and a north arrow for maps drawn in a projected CRS.

Maps are drawn in a metric CRS (by default the UTM zone of the data, EPSG:32648 for
甘谷县), so one data unit is one metre of grid distance. Grid distance differs from
ground distance by the point scale factor *k* of the projection and grid north from true
north by the meridian convergence γ; both are read from ``pyproj.Proj.get_factors`` at
the map centre (Snyder 1987, *Map Projections: A Working Manual*, USGS PP 1395, §8),
so the scale bar measures ground kilometres and the arrow points to true north. For UTM
near the central meridian *k* ≈ 0.9996 and γ is a fraction of a degree.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.patches import Polygon, Rectangle
from pyproj import CRS, Proj, Transformer

__all__ = ["north_arrow", "projection_factors", "scale_bar"]

_NICE = (1, 2, 5)
_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def projection_factors(crs, x: float, y: float) -> tuple[float, float]:
    """Return the point scale factor and meridian convergence (degrees) at ``(x, y)``.

    Parameters
    ----------
    crs : pyproj.CRS or str
        A projected CRS in metres.
    x, y : float
        A point in that CRS (the map centre).

    Returns
    -------
    scale : float
        Grid metres per ground metre (``meridional_scale``).
    convergence : float
        Angle (degrees) from grid north to true north, counter-clockwise positive.
    """
    crs = CRS.from_user_input(crs)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    factors = Proj(crs).get_factors(lon, lat)
    return float(factors.meridional_scale), float(factors.meridian_convergence)


def _nice_length(target_m: float) -> float:
    """Return a round length (1, 2 or 5 × 10^n metres) not above ``target_m``."""
    exponent = math.floor(math.log10(target_m))
    for step in reversed(_NICE):
        if step * 10**exponent <= target_m:
            return step * 10**exponent
    return 10**exponent


def scale_bar(
    ax: Axes,
    *,
    scale: float = 1.0,
    fraction: float = 0.22,
    loc: tuple[float, float] = (0.04, 0.04),
    fontsize: float = 8,
) -> float:
    """Draw a segmented scale bar labelled in 千米 (or 米 below 1 km).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes in metric map units with equal aspect and final limits.
    scale : float, default 1.0
        Point scale factor (grid metres per ground metre), see :func:`projection_factors`.
    fraction : float, default 0.22
        Largest share of the map width the bar may take.
    loc : (float, float)
        Lower-left corner of the bar in axes fraction.
    fontsize : float

    Returns
    -------
    float
        The ground length of the bar in metres.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    ground = _nice_length(fraction * width / scale)
    grid = ground * scale
    left = x0 + loc[0] * width
    bottom = y0 + loc[1] * (y1 - y0)
    height = 0.012 * (y1 - y0)
    segments = 5 if ground / 10 ** math.floor(math.log10(ground)) == 5 else 4
    step = grid / segments
    for i in range(segments):
        ax.add_patch(
            Rectangle(
                (left + i * step, bottom),
                step,
                height,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=20,
            )
        )
    unit, div = ("千米", 1000.0) if ground >= 1000 else ("米", 1.0)
    for value in (0, ground / 2, ground):
        ax.text(
            left + value * scale,
            bottom + height * 1.6,
            f"{value / div:g}",
            ha="center",
            va="bottom",
            fontsize=fontsize,
            zorder=21,
            path_effects=_HALO,
        )
    ax.text(
        left + grid + 0.012 * width,
        bottom + height / 2,
        unit,
        ha="left",
        va="center",
        fontsize=fontsize,
        zorder=21,
        path_effects=_HALO,
    )
    return ground


def north_arrow(
    ax: Axes,
    *,
    convergence: float = 0.0,
    loc: tuple[float, float] = (0.94, 0.90),
    size: float = 0.07,
    fontsize: float = 10,
) -> None:
    """Draw a two-tone north arrow labelled 北, rotated to true north.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes with equal aspect.
    convergence : float, default 0.0
        Meridian convergence in degrees (true north relative to grid north, counter-
        clockwise positive), see :func:`projection_factors`.
    loc : (float, float)
        Centre of the arrow in axes fraction.
    size : float
        Arrow length as a share of the axes height.
    fontsize : float
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = size * (y1 - y0)
    cx = x0 + loc[0] * (x1 - x0)
    cy = y0 + loc[1] * (y1 - y0)
    half = np.array([[0.0, 0.5], [0.0, -0.25], [-0.32, -0.5]]) * length
    theta = math.radians(convergence)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    for sign, colour in ((1, "black"), (-1, "white")):
        pts = half * np.array([sign, 1.0])
        ax.add_patch(
            Polygon(
                pts @ rot.T + (cx, cy),
                closed=True,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.8,
                zorder=20,
            )
        )
    tip = np.array([0.0, 0.62 * length]) @ rot.T + (cx, cy)
    ax.text(
        *tip,
        "北",
        ha="center",
        va="bottom",
        fontsize=fontsize,
        zorder=21,
        path_effects=_HALO,
    )
