"""Page layout of a map: figure size, map extent, title block, legend panel, footnotes.

A map figure is the map axes on the left, sized to the extent of the area shown (7 in
wide, 5-8.5 in high), a panel on the right for the legend and footnotes, and a title block
above with the note 示意图（非实际边界） in red when the polygons are schematic. When the
caller supplies an axes instead, title, legend and note go inside that axes.
"""

from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from audit.geo.boundaries import SCHEMATIC_NOTE

__all__ = ["DPI", "finish_map", "map_extent", "new_map_figure"]

#: Resolution of report PNGs (dots per inch).
DPI = 200
NOTE_COLOUR = "#b2182b"
_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
_MAP_WIDTH_IN = 7.0
_MAP_HEIGHT_IN = (5.0, 8.5)
_PANEL_WIDTH_IN = 2.7
_TITLE_IN = 0.85
_MARGIN_IN = 0.1
#: Full-width characters of 10 pt text that fit across the legend panel.
_PANEL_CHARS = 16


def map_extent(bounds, box_w: float, box_h: float, margin: float = 0.05):
    """Return axis limits showing ``bounds`` with a margin, at the aspect of the axes box.

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy)
        Extent of the features to show, in map units.
    box_w, box_h : float
        Size of the axes box (any unit).
    margin : float, default 0.05
        Margin on each side as a share of the extent.

    Returns
    -------
    xlim, ylim : (float, float)
    """
    x0, y0, x1, y1 = bounds
    dx, dy = (x1 - x0) * (1 + 2 * margin), (y1 - y0) * (1 + 2 * margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if dx / dy < box_w / box_h:
        dx = dy * box_w / box_h
    else:
        dy = dx * box_h / box_w
    return (cx - dx / 2, cx + dx / 2), (cy - dy / 2, cy + dy / 2)


def new_map_figure(bounds) -> tuple[Figure, Axes, Axes]:
    """Create a figure (not registered with pyplot) with a map axes and a legend panel.

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy)
        Extent of the area to show, in map units.

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        The map axes.
    panel : matplotlib.axes.Axes
        The legend panel (axis off).
    """
    dx, dy = bounds[2] - bounds[0], bounds[3] - bounds[1]
    map_h = float(np.clip(_MAP_WIDTH_IN * dy / dx, *_MAP_HEIGHT_IN))
    width = _MAP_WIDTH_IN + _PANEL_WIDTH_IN
    height = map_h + _TITLE_IN + 2 * _MARGIN_IN
    fig = Figure(figsize=(width, height), dpi=DPI)
    m_w, m_h = _MARGIN_IN / width, _MARGIN_IN / height
    ax = fig.add_axes((m_w, m_h, _MAP_WIDTH_IN / width, map_h / height))
    left = (_MAP_WIDTH_IN + 2 * _MARGIN_IN) / width
    panel = fig.add_axes((left, m_h, (_PANEL_WIDTH_IN - 3 * _MARGIN_IN) / width, map_h / height))
    panel.set_axis_off()
    return fig, ax, panel


def finish_map(
    fig: Figure,
    ax: Axes,
    panel: Axes | None,
    *,
    title: str,
    heading: str,
    handles: list,
    footnotes: list[str],
    schematic: bool,
    side: list[str] | None = None,
) -> None:
    """Add the title, the schematic note, the legend and the footnotes.

    Parameters
    ----------
    fig, ax : Figure, Axes
        The figure and its map axes.
    panel : Axes or None
        The legend panel from :func:`new_map_figure`, or None to put everything in ``ax``.
    title, heading : str
        Map title and legend heading.
    handles : list of matplotlib artists
        Legend entries.
    footnotes : list of str
        Lines under the legend (method, labels, source).
    schematic : bool
        Add 示意图（非实际边界） when True.
    side : list of str, optional
        A heading and lines set under the legend (the numbered villages of the county
        map, the villages too small for their label on a township map). A heading longer
        than the panel is broken before its bracket.
    """
    if panel is None:
        ax.set_title(title, fontsize=12)
        ax.legend(
            handles=handles,
            title=heading,
            loc="lower right",
            fontsize=7,
            title_fontsize=8,
            frameon=True,
        )
        if schematic:
            ax.text(
                0.01,
                0.99,
                SCHEMATIC_NOTE,
                transform=ax.transAxes,
                ha="left",
                va="top",
                fontsize=9,
                color=NOTE_COLOUR,
                path_effects=_HALO,
                zorder=22,
            )
        return
    x = _MARGIN_IN / fig.get_figwidth()
    height = fig.get_figheight()
    fig.text(x, 1 - 0.12 / height, title, ha="left", va="top", fontsize=16)
    if schematic:
        fig.text(
            x,
            1 - 0.55 / height,
            SCHEMATIC_NOTE,
            ha="left",
            va="top",
            fontsize=11,
            color=NOTE_COLOUR,
        )
    legend = panel.legend(
        handles=handles,
        title=heading,
        loc="upper left",
        fontsize=9,
        title_fontsize=10,
        frameon=False,
        handlelength=2.2,
        handleheight=1.4,
        alignment="left",
        borderaxespad=0,
    )
    if side:
        heading = side[0]
        if len(heading) > _PANEL_CHARS and "（" in heading:
            heading = heading.replace("（", "\n（", 1)
        # Below the legend: entries are ~1.9 font sizes apart, plus the legend heading.
        panel_h_pt = panel.get_position().height * height * 72
        top = (len(handles) + 1.6) * 1.9 * legend.get_texts()[0].get_fontsize()
        panel.text(
            0,
            1 - top / panel_h_pt,
            heading,
            transform=panel.transAxes,
            ha="left",
            va="top",
            fontsize=10,
            linespacing=1.4,
        )
        top += 14 * (heading.count("\n") + 1) + 6
        panel.text(
            0,
            1 - top / panel_h_pt,
            "\n".join(side[1:]),
            transform=panel.transAxes,
            ha="left",
            va="top",
            fontsize=8.5,
            linespacing=1.55,
        )
    panel.text(
        0,
        0,
        "\n".join(footnotes),
        transform=panel.transAxes,
        ha="left",
        va="bottom",
        fontsize=8,
        color="#404040",
        linespacing=1.5,
    )
