"""整改进度: the rectification burn-down from the ledger, when the county keeps one.

The ledger (``<data>/ledger.sqlite``, :mod:`audit.tracking`) records every weekly
run and township return. This section shows the open items over time against the
straight line to zero by 30 June, the pace and projected completion per deadline
and department, and the claims a later run contradicted (已报整改但仍存在).
"""

from __future__ import annotations

import pandas as pd

from audit.report.tables import fmt_int, html_table, image_html, show

__all__ = ["progress"]


def _ledger(ctx):
    from audit.tracking import LEDGER_FILE, Ledger

    path = ctx.data_dir / LEDGER_FILE
    return Ledger(path) if path.exists() else None


def progress(ctx):
    """The burn-down of the report's township (or the county), verdicts and false claims."""
    ledger = _ledger(ctx)
    if ledger is None:
        return show(
            "<p>尚未建立整改台账：每周运行审计后用 <code>audit track record</code> 记录，"
            "乡镇回执用 <code>audit track import</code> 导入，即可显示整改进度。</p>"
        )
    import matplotlib.pyplot as plt

    from audit.tracking import burndowns, claims_contradicted
    from audit.tracking.charts import burndown_chart

    with ledger:
        series, forecasts = burndowns(ledger, ctx.settings)
        claims = claims_contradicted(ledger)
    dim, key = ("county", "全县") if ctx.is_county else ("township_code", ctx.township_code)
    parts = []
    try:
        fig = burndown_chart(series, forecasts, dimension=dim, key=key, deadline_key="final")
        parts.append(image_html(fig, "整改进度燃尽图"))
        plt.close(fig)
    except ValueError:
        parts.append("<p>台账中还没有本乡镇的整改记录。</p>")
    f = forecasts[(forecasts["dimension"] == dim) & (forecasts["key"].astype(str) == key)]
    if ctx.is_county:
        f = pd.concat([f, forecasts[forecasts["dimension"] == "owner_unit"]])
    if len(f):
        table = pd.DataFrame(
            {
                "对象": f["label"].astype(str),
                "时限": f["deadline_label"].astype(str),
                "首次记录": f["start"].map(fmt_int),
                "待整改": f["open"].map(fmt_int),
                "每周整改": f["pace_per_week"].map(lambda x: "—" if pd.isna(x) else f"{x:.1f}"),
                "按期需每周": f["required_per_week"].map(
                    lambda x: "—" if pd.isna(x) else f"{x:.1f}"
                ),
                "预计完成": pd.to_datetime(f["projected"]).dt.strftime("%m月%d日").fillna("—"),
                "研判": f["verdict_zh"].astype(str),
            }
        )
        last = pd.to_datetime(f["as_of"]).max()
        parts.append(
            f"<p>整改台账截至 {last:%Y-%m-%d}（共 {int(f['runs'].max())} 次运行）。"
            "“研判”按最近几次运行的整改速度推算完成日期。</p>"
        )
        parts.append(html_table(table, numeric=("首次记录", "待整改", "每周整改", "按期需每周")))
    own = claims if ctx.is_county else claims[claims["township_code"].astype(str) == key]
    if len(own):
        villages = ctx.county.villages.set_index("village_code")["name"]
        t = pd.DataFrame(
            {
                "行政村": own["village_code"].map(villages),
                "户编号": own["household_id"],
                "规则": own["rule_id"],
                "报告整改日期": pd.to_datetime(own["fixed_date"]).dt.strftime("%Y-%m-%d"),
                "复查": own["next_run_as_of"].astype(str),
                "现状": own["status"],
            }
        ).head(30)
        parts.append(f"<h3>已报整改但复查仍存在（{len(own)} 项）</h3>" + html_table(t))
    else:
        parts.append("<p>没有“已报整改但复查仍存在”的问题。</p>")
    return show(*parts)
