"""Small HTML building blocks for reports: tables, figures, metric cards, verdict tags.

Everything returns an :class:`IPython.display.HTML` (or a string) so that a
notebook cell shows it with one call and nbconvert carries it into the report.
Numbers are formatted for Chinese readers: thousands separators, percentages
with one decimal, every rate with its interval.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd
from IPython.display import HTML

__all__ = ["fmt_int", "fmt_pct", "fmt_rate_ci", "html_table", "image_html", "tag"]

VERDICT_ORDER = {"未达标": 3, "风险": 2, "达标": 1, "无数据": 0}


def fmt_int(value) -> str:
    """Format a count with thousands separators ("—" when missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "—"
    return f"{round(float(value)):,}"


def fmt_pct(value, digits: int = 1) -> str:
    """Format a proportion as a percentage ("—" when missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{100 * float(value):.{digits}f}%"


def fmt_rate_ci(estimate, low, high, digits: int = 1) -> str:
    """Format a rate with its interval: ``1.7% [0.9%, 2.9%]``."""
    if estimate is None or pd.isna(estimate):
        return "—（无样本）"
    return f"{fmt_pct(estimate, digits)} [{fmt_pct(low, digits)}, {fmt_pct(high, digits)}]"


def tag(verdict: str) -> str:
    """A verdict tag that reads in black and white too (the word is the signal)."""
    symbol = {"达标": "●", "风险": "▲", "未达标": "■", "无数据": "○"}.get(verdict, "")
    return f'<span class="tag {html.escape(verdict)}">{symbol} {html.escape(verdict)}</span>'


def worst(verdicts) -> str:
    """Return the worst verdict of several (无数据 only when nothing else is known)."""
    known = [v for v in verdicts if v in VERDICT_ORDER and v != "无数据"]
    return max(known, key=VERDICT_ORDER.get) if known else "无数据"


def html_table(
    frame: pd.DataFrame,
    *,
    numeric: tuple[str, ...] = (),
    raw: tuple[str, ...] = (),
    caption: str | None = None,
) -> str:
    """Render a frame (Chinese column names) as an HTML table.

    Parameters
    ----------
    frame : DataFrame
    numeric : tuple of str
        Columns aligned right.
    raw : tuple of str
        Columns whose cells already hold HTML (not escaped).
    caption : str, optional
    """
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{html.escape(str(c))}</th>'
        for c in frame.columns
    )
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(frame.columns, values, strict=True):
            text = "—" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            text = text if c in raw else html.escape(text)
            cells.append(f'<td class="{"num" if c in numeric else ""}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def image_html(fig, alt: str, dpi: int = 150) -> str:
    """Embed a matplotlib figure as an inline PNG (no external file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def show(*parts: str) -> HTML:
    """Join HTML fragments into one displayable object."""
    return HTML("\n".join(parts))
