"""Charts for the reports: burn-down of open items against the line needed to meet the deadline.

Each burn-down panel shows the open items at every run (solid), the straight
line from the first run's count to zero on the deadline (应达进度, dashed grey),
the projection at the current pace (预计, dotted) and the deadline (截止).
Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state) and
Chinese text uses the CJK font of :func:`audit.plotting.setup_fonts`.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from audit.plotting import setup_fonts

__all__ = ["burndown_chart", "burndown_grid", "project_chart", "save_chart"]

ACTUAL, IDEAL, PROJECTED, DEADLINE = "#1f5fa8", "#8c8c8c", "#d9822b", "#c0392b"
VERDICT_COLOURS = {"done": "#2e7d32", "on_track": "#2e7d32", "at_risk": "#d9822b",
                   "miss": "#c0392b", "overdue": "#c0392b"}  # fmt: skip


def _panel(ax, s: pd.DataFrame, f: pd.Series | None, legend: bool) -> None:
    s = s.sort_values(["as_of", "run_seq"])
    deadline = s["deadline"].iloc[-1]
    ax.plot(s["as_of"], s["open"], marker="o", ms=3, color=ACTUAL, label="待整改数")
    ax.plot([s["as_of"].iloc[0], deadline], [s["open"].iloc[0], 0], ls="--", color=IDEAL,
            label="应达进度")  # fmt: skip
    if f is not None and pd.notna(f.get("projected")) and f["open"] > 0:
        ax.plot([f["as_of"], f["projected"]], [f["open"], 0], ls=":", color=PROJECTED,
                label="按当前进度预计")  # fmt: skip
    ax.axvline(deadline, color=DEADLINE, lw=1)
    ax.annotate(f"截止 {deadline:%m月%d日}", (deadline, ax.get_ylim()[1]), color=DEADLINE,
                fontsize=7, ha="right", va="top", rotation=90, xytext=(-2, 0),
                textcoords="offset points")  # fmt: skip
    title = str(s["label"].iloc[0])
    colour = "black"
    if f is not None:
        title += f"：{f['verdict_zh']}"
        colour = VERDICT_COLOURS.get(f["verdict"], "black")
    ax.set_title(title, fontsize=9, color=colour)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m月"))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=7, loc="upper right")


def _pick(series, forecasts, dimension, key, deadline_key):
    s = series[(series["dimension"] == dimension) & (series["key"] == key)
               & (series["deadline_key"] == deadline_key)]  # fmt: skip
    f = None
    if forecasts is not None:
        rows = forecasts[(forecasts["dimension"] == dimension) & (forecasts["key"] == key)
                         & (forecasts["deadline_key"] == deadline_key)]  # fmt: skip
        f = rows.iloc[0] if len(rows) else None
    return s, f


def burndown_chart(series: pd.DataFrame, forecasts: pd.DataFrame | None = None, *,
                   dimension: str = "county", key: str = "全县",
                   deadline_key: str = "final") -> Figure:  # fmt: skip
    """Draw one burn-down (e.g. the county, or one township) against its deadline.

    Parameters
    ----------
    series, forecasts : DataFrame
        From :func:`audit.tracking.burndowns` (``forecasts`` adds the projection and verdict).
    dimension, key, deadline_key : str
        Which series: ``("township_code", "620523101", "final")``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    setup_fonts()
    s, f = _pick(series, forecasts, dimension, key, deadline_key)
    if s.empty:
        raise ValueError(f"no burn-down for {dimension}={key!r}, {deadline_key}")
    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.add_subplot()
    _panel(ax, s, f, legend=True)
    ax.set_ylabel("待整改问题数")
    fig.suptitle(f"整改进度（{s['deadline_label'].iloc[0]}）", fontsize=11)
    return fig


def burndown_grid(series: pd.DataFrame, forecasts: pd.DataFrame | None = None, *,
                  dimension: str = "township_code", deadline_key: str = "final",
                  ncols: int = 4) -> Figure:  # fmt: skip
    """Draw the burn-downs of every township (or department, indicator) as small multiples."""
    setup_fonts()
    s = series[(series["dimension"] == dimension) & (series["deadline_key"] == deadline_key)]
    keys = s.drop_duplicates("key")[["key", "label"]].sort_values("key")["key"].tolist()
    if not keys:
        raise ValueError(f"no burn-down for {dimension}, {deadline_key}")
    nrows = math.ceil(len(keys) / ncols)
    fig = Figure(figsize=(3.2 * ncols, 2.4 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, (ax, key) in enumerate(zip(axes, keys, strict=False)):
        one, f = _pick(series, forecasts, dimension, key, deadline_key)
        _panel(ax, one, f, legend=i == 0)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    label = s["deadline_label"].iloc[0]
    from audit.tracking.burndown import DIMENSIONS

    fig.suptitle(f"各{DIMENSIONS.get(dimension, dimension)}整改进度（{label}）", fontsize=12)
    return fig


def project_chart(progress: pd.DataFrame, funds: pd.DataFrame) -> Figure:
    """Draw the start rate against the plan over time (per category) and funds by status.

    Parameters
    ----------
    progress : DataFrame
        :func:`audit.tracking.project_progress` by category.
    funds : DataFrame
        :func:`audit.tracking.funds_by_status` by category.
    """
    setup_fonts()
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for category, part in progress.groupby("category", observed=True):
        left.plot(part["as_of"], part["start_rate_plan"], marker="o", ms=3, label=str(category))
    left.set_ylim(0, 105)
    left.set_ylabel("计划开工率（%）")
    left.set_title("项目计划开工率", fontsize=10)
    left.xaxis.set_major_formatter(mdates.DateFormatter("%m月%d日"))
    left.tick_params(labelsize=7)
    left.grid(alpha=0.3)
    left.legend(fontsize=7)
    last = funds[funds["as_of"] == funds["as_of"].max()].set_index(funds.columns[1])
    bottom = pd.Series(0.0, index=last.index)
    for status, colour in zip(("已完工", "已开工", "未开工"), ("#2e7d32", "#1f5fa8", "#bdbdbd"),
                              strict=True):  # fmt: skip
        right.bar(last.index.astype(str), last[status], bottom=bottom, color=colour, label=status)
        bottom += last[status]
    right.set_ylabel("资金（万元）")
    right.set_title(f"项目资金按状态（{funds['as_of'].max():%m月%d日}）", fontsize=10)
    right.legend(fontsize=7)
    return fig


def save_chart(fig: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """Save a chart as PNG (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, facecolor="white")
    return path
