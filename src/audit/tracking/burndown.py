"""Burn-down: open items per township, department and indicator, their pace and the verdict.

For every recorded run (one point per run) the burn-down counts the open
rectification items (:func:`audit.tracking.items.in_scope`): the items that run
found. It does so per township (乡镇), per lead department (牵头单位) and per
indicator (rule group, 类别), and for the whole county, against each deadline:

- 参保类: items due ``deadlines.insurance_days`` days after the reference date;
- 户籍类: items due ``deadlines.hukou`` (30 April);
- 全部问题: every item, due ``deadlines.final`` (30 June).

**Pace** (整改进度, items closed per week) is minus the least-squares slope of the
open count against time over the last ``tracking.pace_runs`` runs (3 by default):
a straight line through the last three points, so one noisy week does not swing
it the way a difference of two points would. **Projected completion** (预计完成日期)
is the date of the last run plus the open count divided by the pace.

**Verdict** (研判) against the deadline, in this order:

- 已清零 (done): no open item at the last run;
- 已逾期 N 天 (overdue): the last run is after the deadline and items remain
  (N = days from the deadline to the last run);
- 有风险 (at risk): fewer than two runs (the pace is unknown), or the projected
  date falls within ``tracking.risk_margin_days`` (7) days before the deadline;
- 将逾期 N 天 (will miss): the projected date is N days after the deadline, or
  the pace is zero or negative (no progress: 将逾期（无进展）);
- 按期 (on track): otherwise, the projection is more than the margin ahead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.tracking.items import DEADLINE_LABELS, deadlines, in_scope, rule_attributes
from audit.tracking.status import run_coverage

__all__ = ["DIMENSIONS", "VERDICT_ZH", "burndown", "burndowns", "forecast"]

#: Dimension column → Chinese name.
DIMENSIONS = {"county": "全县", "township_code": "乡镇", "owner_unit": "牵头单位", "group": "类别"}
VERDICT_ZH = {"done": "已清零", "on_track": "按期", "at_risk": "有风险", "miss": "将逾期",
              "overdue": "已逾期"}  # fmt: skip


def _observed(ledger, scope: str, as_of):
    runs = ledger.runs()
    if as_of is not None:
        runs = runs[runs["as_of"] <= pd.Timestamp(as_of)]
    items = ledger.items().merge(rule_attributes(), on="rule_id", how="left")
    items = items[in_scope(items, scope)].assign(county="全县")
    obs = ledger.observations().merge(runs[["run_seq"]], on="run_seq")
    obs = obs.merge(items, on="item_id")
    # Every item counts against the final deadline; some also against an earlier one.
    early = obs[obs["deadline_key"].ne("final")]
    obs = pd.concat([obs.assign(deadline_key="final"), early], ignore_index=True)
    return runs.reset_index(drop=True), items, obs


def burndown(ledger, by: str = "township_code", settings=None, *, scope: str = "rectification",
             as_of=None, names: dict | None = None) -> pd.DataFrame:  # fmt: skip
    """Return the open items at each run, per key of a dimension and deadline class.

    Parameters
    ----------
    ledger : Ledger
    by : {"township_code", "owner_unit", "group", "county"}
    settings : Settings, optional
        Gives the deadline dates; defaults to :func:`audit.settings.load_settings`.
    scope : str
        ``"rectification"`` (default) or ``"all"``.
    as_of : date, optional
        Ignore runs after this date.
    names : dict, optional
        Township code → name (defaults to the names recorded with the runs).

    Returns
    -------
    DataFrame
        ``dimension, key, label, deadline_key, deadline_label, deadline, run_seq,
        run_id, as_of, open``; a key with no item at a run has ``open = 0``. Township
        series use the runs covering the township; other dimensions whole-county runs.
    """
    from audit.settings import load_settings

    settings = settings or load_settings()
    if by == "township_code" and names is None:
        names = ledger.township_names()
    return _series(_observed(ledger, scope, as_of), by, settings, names)


def _series(data, by: str, settings, names: dict | None) -> pd.DataFrame:
    """Count the open items of ``data`` (:func:`_observed`) per key of ``by`` and run."""
    runs, _, obs = data
    counts = obs.groupby([by, "deadline_key", "run_seq"]).size().rename("open").reset_index()
    combos = counts[[by, "deadline_key"]].drop_duplicates()
    if by == "township_code":
        cover = run_coverage(runs, combos["township_code"])[["run_seq", "township_code"]]
        grid = combos.merge(cover, on="township_code")
    else:
        grid = combos.merge(runs.loc[runs["scope"].isna(), ["run_seq"]], how="cross")
    series = grid.merge(counts, on=[by, "deadline_key", "run_seq"], how="left")
    series["open"] = series["open"].fillna(0).astype(int)
    series = series.merge(runs[["run_seq", "run_id", "as_of"]], on="run_seq")
    series = series.rename(columns={by: "key"}).assign(dimension=by)
    if by == "township_code":
        series["label"] = series["key"].map(names or {}).fillna(series["key"])
    else:
        series["label"] = series["key"]
    dates = {k: pd.Timestamp(v) for k, v in deadlines(settings).items()}
    series["deadline"] = series["deadline_key"].map(dates)
    series["deadline_label"] = series["deadline_key"].map(DEADLINE_LABELS)
    cols = ["dimension", "key", "label", "deadline_key", "deadline_label", "deadline",
            "run_seq", "run_id", "as_of", "open"]  # fmt: skip
    return series[cols].sort_values(["key", "deadline_key", "as_of", "run_seq"], ignore_index=True)


def _slope(window: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Least-squares slope (items per day) of ``open`` on date per group, closed form."""
    x = (window["as_of"] - pd.Timestamp("2000-01-01")).dt.days.astype(float)
    w = window.assign(x=x, y=window["open"].astype(float), xy=x * window["open"], xx=x * x)
    g = w.groupby(keys)
    s = pd.DataFrame({"n": g.size(), "sx": g["x"].sum(), "sy": g["y"].sum(),
                      "sxy": g["xy"].sum(), "sxx": g["xx"].sum()})  # fmt: skip
    den = s["n"] * s["sxx"] - s["sx"] ** 2
    s["slope"] = ((s["n"] * s["sxy"] - s["sx"] * s["sy"]) / den.where(den > 0)).astype(float)
    return s[["n", "slope"]]


def forecast(series: pd.DataFrame, settings=None) -> pd.DataFrame:
    """Return the pace, projected completion and verdict of every burn-down series.

    Parameters
    ----------
    series : DataFrame
        Output of :func:`burndown`.
    settings : Settings, optional
        ``tracking.pace_runs`` and ``tracking.risk_margin_days``.

    Returns
    -------
    DataFrame
        One row per ``dimension, key, deadline_key``: ``label, deadline, runs, as_of``
        (last run), ``start`` (open at the first run), ``open`` (at the last run),
        ``pace_runs`` (runs in the pace window), ``pace_per_week`` (items closed per
        week), ``required_per_week`` (to reach zero by the deadline), ``projected``
        (date), ``verdict`` (code), ``days_late``, ``verdict_zh`` (e.g. "将逾期 12 天")
        and ``reason`` (Chinese).
    """
    from audit.settings import load_settings

    settings = settings or load_settings()
    k, margin = settings.tracking.pace_runs, settings.tracking.risk_margin_days
    keys = ["dimension", "key", "deadline_key"]
    s = series.sort_values([*keys, "as_of", "run_seq"])
    g = s.groupby(keys, sort=True)
    out = g.agg(label=("label", "last"), deadline_label=("deadline_label", "last"),
                deadline=("deadline", "last"), runs=("run_seq", "size"), as_of=("as_of", "last"),
                start=("open", "first"), open=("open", "last"))  # fmt: skip
    out = out.join(_slope(g.tail(k), keys)).reset_index()
    out["pace_per_week"] = (-7 * out["slope"]).round(2) + 0.0  # no "-0.0"
    days_left = (out["deadline"] - out["as_of"]).dt.days
    out["required_per_week"] = (7 * out["open"] / days_left.where(days_left > 0)).round(2)
    per_day = -out["slope"]
    moving = out["open"].gt(0) & per_day.gt(0)
    need = np.ceil(out["open"] / per_day.where(moving))
    out["projected"] = out["as_of"] + pd.to_timedelta(need, unit="D")
    late = (out["projected"] - out["deadline"]).dt.days
    verdict = np.select(
        [out["open"].eq(0), days_left.lt(0), out["runs"].lt(2), ~moving, late.gt(0),
         late.gt(-margin)],
        ["done", "overdue", "at_risk", "miss", "miss", "at_risk"],
        default="on_track",
    )  # fmt: skip
    out["verdict"] = verdict
    out["days_late"] = np.select([verdict == "overdue", (verdict == "miss") & moving],
                                 [-days_left, late], default=np.nan)  # fmt: skip
    out["days_late"] = out["days_late"].astype("Int64")
    out["verdict_zh"] = _verdict_text(out)
    out["reason"] = _reason(out, margin)
    return out.drop(columns="slope").rename(columns={"n": "pace_runs"})


def _verdict_text(out: pd.DataFrame) -> np.ndarray:
    v, n = out["verdict"], out["days_late"].astype("string").fillna("")
    text = v.map(VERDICT_ZH)
    text = text.where(~(v.isin(["miss", "overdue"]) & n.ne("")), text + " " + n + " 天")
    return text.where(~(v.eq("miss") & n.eq("")), "将逾期（无进展）").to_numpy()


def _reason(out: pd.DataFrame, margin: int) -> np.ndarray:
    projected = out["projected"].dt.strftime("%m月%d日").fillna("")
    pace = out["pace_per_week"].round(1).astype(str)
    return np.select(
        [out["verdict"].eq("done"), out["verdict"].eq("overdue"), out["runs"].lt(2),
         out["verdict"].eq("miss") & out["projected"].isna()],
        ["已无待整改问题", "已过截止日期仍有问题未整改", "仅有 1 次记录，无法测算进度",
         "近期待整改数未下降"],
        default="按每周 " + pace + " 个的进度，预计 " + projected + " 完成"
        + np.where(out["verdict"].eq("at_risk"), f"（距截止不足 {margin} 天）", ""),
    )  # fmt: skip


def burndowns(ledger, settings=None, *, scope: str = "rectification", as_of=None,
              dimensions=tuple(DIMENSIONS)) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Compute every burn-down (county, townships, departments, indicators) and its forecast.

    Returns
    -------
    series : DataFrame
        :func:`burndown` of every dimension, concatenated.
    forecasts : DataFrame
        :func:`forecast` of them.
    """
    from audit.settings import load_settings

    settings = settings or load_settings()
    data = _observed(ledger, scope, as_of)
    names = ledger.township_names()
    series = pd.concat([_series(data, d, settings, names) for d in dimensions],
                       ignore_index=True)  # fmt: skip
    return series, forecast(series, settings)


def ledger_pace(data_dir, settings=None, *, strict: bool = True) -> pd.DataFrame | None:
    """The forecasts of the rectification ledger kept in a Dataset folder, if there is one.

    What :func:`audit.simulate.census` takes as ``pace`` for its "at the current
    pace" scenario; None when the folder holds no ledger.

    Parameters
    ----------
    data_dir : str or Path
        The Dataset folder (the ledger is ``<data_dir>/ledger.sqlite``).
    settings : audit.Settings, optional
    strict : bool
        When False, an unreadable ledger gives None (the simulation then assumes
        the settings' share and its report says so) instead of an error.

    Raises
    ------
    audit.AuditError
        When the ledger cannot be read (``strict`` only).
    """
    from pathlib import Path

    from audit.errors import AuditError, InputError
    from audit.tracking.ledger import LEDGER_FILE, Ledger

    path = Path(data_dir) / LEDGER_FILE
    if not path.is_file():
        return None
    try:
        with Ledger(path) as ledger:
            _, forecasts = burndowns(ledger, settings)
    except (AuditError, ValueError, KeyError) as exc:
        if not strict:
            return None
        if isinstance(exc, AuditError):
            raise
        raise InputError(
            f"整改台账无法读取：{exc}", f"the ledger cannot be read: {exc}", file=str(path)
        ) from None
    return forecasts
