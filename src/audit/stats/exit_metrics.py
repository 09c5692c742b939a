"""The county's exit metrics (三率一度) from sampled households, with honest intervals.

Definitions (census-rules.md §F; 贫困县退出专项评估检查实施办法, 2017):

=============  =====================================================  ===============
metric         estimate                                               passes when
=============  =====================================================  ===============
错退率          people of sampled 已脱贫 households that fail the      < 2 %
               census ÷ people of sampled 已脱贫 households
漏评率          people of sampled 一般农户 found poor (漏评) ÷ people    < 2 %
               of sampled 一般农户
综合贫困发生率  (people still 未脱贫 + estimated 漏评 people + estimated  < 3 %
               错退 people) ÷ rural population
群众认可度      households that approve ÷ households asked              > 90 %
=============  =====================================================  ===============

The two person-based rates are ratio estimators ``Σ w·people·flag / Σ w·people``
(households are the sampled units; people are cluster totals) with Taylor
linearisation (:func:`~audit.stats.taylor.estimate`, Lohr 2022 §9.1) and a
Korn–Graubard interval. 综合贫困发生率 adds the two estimated totals (independent
samples, so their variances add: they are treated as strata of one design) to
the known count of people still registered poor, over the known rural
population. Approval is a household proportion over both samples, also
Korn–Graubard.

Sampled households not yet visited (flag missing) are non-respondents: weights of
the respondents are inflated within their stratum (weighting-class adjustment,
Lohr 2022 §8.5), which assumes households are missing at random within a stratum;
a stratum with no respondent at all is collapsed into its group. The output
keeps both counts (``n`` observed, ``sampled``) so a report can say how complete
the visits are.

Verdict (a leader's traffic light): 达标 only when the whole interval is on the safe
side of the threshold, 未达标 when it is wholly on the wrong side, 风险 when it
straddles the threshold; 无数据 when nothing was observed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.stats._checks import ParameterError
from audit.stats.intervals import korn_graubard_ci
from audit.stats.taylor import estimate

__all__ = ["METRICS", "VERDICTS", "exit_metrics", "verdict"]

#: metric key → (Chinese name, threshold setting, direction: "max" = must stay below).
METRICS = {
    "wrong_exit_rate": ("错退率", "wrong_exit_rate_max", "max"),
    "missed_poor_rate": ("漏评率", "missed_poor_rate_max", "max"),
    "poverty_incidence": ("综合贫困发生率", "poverty_incidence_max", "max"),
    "approval": ("群众认可度", "approval_min", "min"),
}
VERDICTS = ("达标", "风险", "未达标", "无数据")

EXITED = "已脱贫"
NONREGISTERED = "一般农户"
DESIGN_COLUMNS = ("status", "stratum", "cluster", "weight", "fpc", "people")


def verdict(ci_low, ci_high, threshold: float, direction: str = "max"):
    """Verdict of a metric from its interval.

    Parameters
    ----------
    ci_low, ci_high : float or array-like
        The interval.
    threshold : float
        The threshold of the metric.
    direction : {"max", "min"}
        ``max``: the metric must stay below the threshold (rates);
        ``min``: it must exceed it (approval).

    Returns
    -------
    str or ndarray of str
        达标 (whole interval safe), 风险 (straddles), 未达标 (wholly on the wrong
        side), 无数据 (missing interval).

    Examples
    --------
    >>> verdict(0.009, 0.029, 0.02)
    '风险'
    >>> verdict(0.912, 0.959, 0.90, "min")
    '达标'
    """
    low = np.asarray(ci_low, dtype=float)
    high = np.asarray(ci_high, dtype=float)
    if direction == "max":
        safe, wrong = high < threshold, low >= threshold
    elif direction == "min":
        safe, wrong = low > threshold, high <= threshold
    else:
        raise ValueError("direction must be 'max' or 'min'")
    out = np.where(safe, "达标", np.where(wrong, "未达标", "风险"))
    out = np.where(np.isnan(low) | np.isnan(high), "无数据", out)
    return str(out) if out.ndim == 0 else out


def _respondents(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows where ``column`` is observed, weights adjusted within (status, stratum).

    A stratum where nobody responded is collapsed into its group: the respondents
    of the group's other strata carry its weight (the group total is kept).
    """
    seen = frame[column].notna().to_numpy()
    w = frame["weight"].to_numpy(dtype=float)
    key = [frame["status"].to_numpy(), frame["stratum"].to_numpy()]
    all_w = frame["weight"].groupby(key).transform("sum").to_numpy()
    seen_w = frame["weight"].where(seen, 0.0).groupby(key).transform("sum").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = np.where(seen, w * all_w / seen_w, 0.0)
    group = frame["status"].to_numpy()
    group_total = pd.Series(w).groupby(group).transform("sum").to_numpy()
    covered = pd.Series(adjusted).groupby(group).transform("sum").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = adjusted * np.where(covered > 0, group_total / covered, 0.0)
    out = frame[seen].copy()
    out["weight"] = adjusted[seen]
    out["_stratum"] = out["status"].astype("str") + "|" + out["stratum"].astype("str")
    out["_cluster"] = out["status"].astype("str") + "|" + out["cluster"].astype("str")
    out[column] = out[column].astype(float)
    return out


def _design(frame):
    fpc = "fpc" if frame["fpc"].notna().any() else None
    return {"strata": "_stratum", "cluster": "_cluster", "weights": "weight", "fpc": fpc}


def _rows(result, by) -> pd.DataFrame:
    if isinstance(result, pd.DataFrame):
        return result
    return pd.DataFrame([result.to_dict()], index=pd.Index(["全县"], name=by)).drop(
        columns=["confidence", "kind"]
    )


def _empty(index) -> pd.DataFrame:
    cols = ["estimate", "se", "ci_low", "ci_high", "df", "n", "deff"]
    out = pd.DataFrame(np.nan, index=index, columns=cols)
    out["n"] = 0
    return out


def _rate(data, status, flag, by, confidence, index):
    part = data[data["status"] == status].copy()
    if part.empty:
        return _empty(index)
    part["_affected"] = part["people"] * part[flag]
    res = estimate(
        part,
        "_affected",
        "proportion",
        confidence=confidence,
        denominator="people",
        by=by,
        **_design(part),
    )
    return _rows(res, by).reindex(index)


def exit_metrics(
    sample: pd.DataFrame,
    *,
    remaining_poor,
    rural_population,
    settings=None,
    confidence: float | None = None,
    flag: str = "fails_census",
    approval: str = "approves",
    by: str | None = None,
) -> pd.DataFrame:
    """三率一度 with confidence intervals and a verdict per metric.

    Parameters
    ----------
    sample : DataFrame
        Sampled households of both frames (as drawn by :func:`audit.sampling.draw`),
        one row each, with columns ``status`` (已脱贫 / 一般农户), ``stratum``,
        ``cluster``, ``weight``, ``fpc``, ``people``, the outcome ``flag`` (bool:
        fails the census for 已脱贫, found 漏评 for 一般农户; missing = not visited)
        and ``approval`` (bool; missing = not asked). The flags come from the
        rule engine applied to the visits; this function only estimates.
    remaining_poor : int or Series
        People of households still 未脱贫 (known from the registry); a Series
        indexed by the ``by`` domains when ``by`` is given.
    rural_population : int or Series
        People of all rural households (same form). See
        :func:`audit.sampling.frames.population_counts`.
    settings : Settings, optional
        Thresholds (``settings.thresholds``) and the default confidence
        (``settings.census.confidence``); the defaults when None.
    confidence : float, optional
        Confidence level of the intervals.
    flag, approval : str
        Column names of the outcomes.
    by : str, optional
        A column of ``sample`` (e.g. ``township_code``) for domain estimates.

    Returns
    -------
    DataFrame
        One row per metric (and domain): ``metric`` (key), ``name`` (Chinese),
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``, ``n`` (households
        observed), ``sampled`` (households in the sample), ``threshold``,
        ``direction`` and ``verdict``; with ``by`` the domain is the first column.
    """
    if settings is None:
        from audit.settings import load_settings

        settings = load_settings()
    confidence = settings.census.confidence if confidence is None else confidence
    needed = [*DESIGN_COLUMNS, flag] + ([by] if by else [])
    for c in needed:
        if c not in sample.columns:
            raise ParameterError(
                f"样本中没有列「{c}」", f"the sample has no column {c!r}", column=c
            )
    index = (
        pd.Index(sorted(sample[by].astype("str").unique()), name=by)
        if by
        else pd.Index(["全县"], name=by)
    )
    data = sample.copy()
    if by:
        data[by] = data[by].astype("str")
    flagged = _respondents(data, flag)
    results = {
        "wrong_exit_rate": _rate(flagged, EXITED, flag, by, confidence, index),
        "missed_poor_rate": _rate(flagged, NONREGISTERED, flag, by, confidence, index),
        "poverty_incidence": _incidence(
            flagged, flag, by, confidence, index, remaining_poor, rural_population
        ),
    }
    if approval in data.columns and data[approval].notna().any():
        asked = _respondents(data, approval)
        res = estimate(
            asked, approval, "proportion", confidence=confidence, by=by, **_design(asked)
        )
        results["approval"] = _rows(res, by).reindex(index)
    else:
        results["approval"] = _empty(index)
    groups = {
        "wrong_exit_rate": [EXITED],
        "missed_poor_rate": [NONREGISTERED],
        "poverty_incidence": [EXITED, NONREGISTERED],
        "approval": [EXITED, NONREGISTERED],
    }
    frames = []
    for key, table in results.items():
        name, setting, direction = METRICS[key]
        thr = float(getattr(settings.thresholds, setting))
        t = table.drop(columns=["deff"], errors="ignore").copy()
        t.insert(0, "name", name)
        t.insert(0, "metric", key)
        t.insert(t.columns.get_loc("n") + 1, "sampled", _sampled(data, groups[key], by, index))
        t["threshold"] = thr
        t["direction"] = direction
        t["verdict"] = verdict(t["ci_low"], t["ci_high"], thr, direction)
        frames.append(t)
    out = pd.concat(frames)
    out["n"] = out["n"].fillna(0).astype(np.int64)
    out["df"] = out["df"].astype("Int64")
    if by:
        return out.reset_index().sort_values([by, "metric"], key=_metric_order, ignore_index=True)
    return out.reset_index(drop=True)


def _sampled(data, statuses, by, index) -> np.ndarray:
    """Sampled households of some groups, per domain."""
    part = data[data["status"].isin(statuses)]
    key = part[by] if by else pd.Series("全县", index=part.index)
    return part.groupby(key.to_numpy()).size().reindex(index, fill_value=0).to_numpy()


def _metric_order(s: pd.Series) -> pd.Series:
    if s.name == "metric":
        return s.map({k: i for i, k in enumerate(METRICS)})
    return s


def _incidence(data, flag, by, confidence, index, remaining_poor, rural_population):
    """综合贫困发生率: (known poor + estimated 漏评 and 错退 people) / rural population."""
    groups = set(data["status"].unique())
    if not {EXITED, NONREGISTERED} <= groups:
        return _empty(index)
    part = data[data["status"].isin([EXITED, NONREGISTERED])].copy()
    part["_affected"] = part["people"] * part[flag]
    res = _rows(
        estimate(part, "_affected", "total", confidence=confidence, by=by, **_design(part)), by
    ).reindex(index)
    poor = _per_domain(remaining_poor, index, "remaining_poor")
    pop = _per_domain(rural_population, index, "rural_population")
    p = (poor + res["estimate"].to_numpy()) / pop
    se = res["se"].to_numpy() / pop
    low, high = korn_graubard_ci(
        np.nan_to_num(p),
        se,
        res["n"].to_numpy(dtype=float),
        res["df"].to_numpy(dtype=float),
        confidence,
    )
    g = part.groupby("_stratum")
    if part["fpc"].notna().all() and (g.size() >= g["fpc"].first()).all():
        low, high = p, p  # both groups fully enumerated: no sampling error
    out = res.copy()
    out["estimate"], out["se"], out["ci_low"], out["ci_high"] = p, se, low, high
    return out


def _per_domain(value, index, name) -> np.ndarray:
    if np.ndim(value) == 0:
        if index.name is not None and len(index) > 1:
            raise ParameterError(
                f"按 {index.name} 分组时 {name} 须为按域索引的序列",
                f"{name} must be a Series indexed by {index.name} when by is given",
                parameter=name,
            )
        return np.full(len(index), float(value))
    s = pd.Series(value)
    s.index = s.index.astype("str")
    v = s.reindex(index).to_numpy(dtype=float)
    if np.isnan(v).any() or (v[np.isfinite(v)] < 0).any():
        raise ParameterError(
            f"{name} 缺少某些域的值", f"{name} is missing for some domains", parameter=name
        )
    return v
