"""Planned fixes as scenarios of the same simulated census.

Every scenario reuses the runs of the base forecast and removes failures by
*thinning*: a household failing in the base run still fails under a scenario
with probability ``p_scenario / p_base`` (both known per cell and run), so the
scenario's count has exactly the binomial law of its own chance while the
comparison with the base keeps the same random draws (common random numbers;
Glasserman 2004, *Monte Carlo Methods in Financial Engineering*, §4.2).

=================  ===========================================================
scenario           what changes
=================  ===========================================================
``base``           nothing: the census finds the county as it is now
``actions_done``   every open 一户一策 action done by its deadline: each
                   recorded failure of a census indicator is fixed
``on_pace``        only the actions the current pace completes by their
                   deadline: a recorded failure is fixed with the share
                   ``pace × weeks left / open`` of its township and deadline
                   (from the rectification ledger, :mod:`audit.tracking`);
                   without a ledger the assumed share
                   ``simulation.on_pace_share`` (stated in the report)
``more_visits``    door-to-door visits to every household of the
                   ``simulation.extra_visit_villages`` villages where a visit
                   would find most (expected hidden failures plus 漏评
                   households): each hidden failure, and each 漏评 household,
                   is found with the visit's sensitivity and fixed
``all_measures``   ``actions_done`` and ``more_visits`` together
=================  ===========================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.rules.actions import ACTIONS
from audit.rules.census import CENSUS_INDICATORS
from audit.simulate.detection import posterior_given_visit
from audit.simulate.frames import STATES, Households, NonRegistered
from audit.simulate.model import DiscrepancyModel

__all__ = ["SCENARIOS", "pace_shares", "scenario_names", "top_villages"]

#: Scenario keys in report order.
SCENARIOS = ("base", "actions_done", "on_pace", "more_visits", "all_measures")


def scenario_names(settings, pace_source: str) -> dict[str, str]:
    """Chinese names of the scenarios (the pace's source and the village count included)."""
    k = settings.simulation.extra_visit_villages
    share = 100 * settings.simulation.on_pace_share
    pace = (
        "按整改台账测算的当前进度"
        if pace_source == "ledger"
        else f"按假设进度（到期完成 {share:.0f}%）"
    )
    return {
        "base": "现状不变（不再整改）",
        "actions_done": "一户一策全部按期完成",
        "on_pace": f"一户一策{pace}完成",
        "more_visits": f"对风险最高的 {k} 个村逐户核查并整改",
        "all_measures": f"一户一策全部完成，且对 {k} 个村逐户核查",
    }


def pace_shares(townships: pd.Index, settings, forecasts: pd.DataFrame | None = None):
    """Share of open actions done by their deadline at the current pace, township × indicator.

    Parameters
    ----------
    townships : Index
        Township codes (rows of the result).
    settings : Settings
    forecasts : DataFrame, optional
        :func:`audit.tracking.forecast` output (``dimension, key, deadline_key,
        deadline, as_of, open, pace_per_week, verdict``); its township rows give
        ``share = pace × weeks from the last run to the deadline / open``, clipped
        to [0, 1] (1 when nothing is open). Rows without a known pace, and all
        rows when ``forecasts`` is None, take ``simulation.on_pace_share``.

    Returns
    -------
    shares : ndarray
        ``[T × K]``.
    source : str
        ``"ledger"`` or ``"assumed"``.
    """
    default = float(settings.simulation.on_pace_share)
    keys = [ACTIONS[r][2] for r in CENSUS_INDICATORS]
    shares = np.full((len(townships), len(CENSUS_INDICATORS)), default)
    if forecasts is None or forecasts.empty:
        return shares, "assumed"
    f = forecasts[forecasts["dimension"].eq("township_code")].copy()
    if f.empty:
        return shares, "assumed"
    weeks = (pd.to_datetime(f["deadline"]) - pd.to_datetime(f["as_of"])).dt.days.clip(lower=0) / 7
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (f["pace_per_week"].astype(float) * weeks / f["open"].astype(float)).clip(0, 1)
    share = share.where(f["open"].astype(float) > 0, 1.0)
    f["share"] = share
    table = f.set_index(["key", "deadline_key"])["share"]
    for j, key in enumerate(keys):  # eleven indicators
        idx = pd.MultiIndex.from_arrays([townships, [key] * len(townships)])
        got = table.reindex(idx).to_numpy(dtype=float)
        shares[:, j] = np.where(np.isnan(got), default, got)
    return shares, "ledger"


def top_villages(model: DiscrepancyModel, h: Households, nonreg: NonRegistered,
                 settings) -> tuple[np.ndarray, pd.DataFrame]:  # fmt: skip
    """The villages where door-to-door visits would find the most.

    A village's score is the expected number of problems a visit to every
    household would find: ``σ ×`` the expected registered households with a
    hidden failure (recorded passing or unknown) plus ``σ_漏评 ×`` the expected
    漏评 households, at the posterior-mean rates.

    Returns
    -------
    top : ndarray of bool
        ``[V]``, True for the ``simulation.extra_visit_villages`` best-scoring villages.
    ranking : DataFrame
        ``village_code, hidden, missed, score`` for all villages, best first.
    """
    v = len(model.villages)
    chance = model.point_chances(h)
    hidden = np.isin(h.state, (STATES["pass"], STATES["unknown"]))
    keep = np.prod(1.0 - np.where(hidden, chance * model.sensitivity[None, :], 0.0), axis=1)
    found = np.bincount(h.village, weights=1.0 - keep, minlength=v)
    pi_v = model.point_missed()
    p = posterior_given_visit(pi_v[nonreg.village], nonreg.visit, model.missed_sensitivity,
                              model.missed_false_alarm)  # fmt: skip
    missed = np.bincount(nonreg.village, weights=p * model.missed_sensitivity, minlength=v)
    ranking = pd.DataFrame({"village_code": model.villages, "hidden": found, "missed": missed,
                            "score": found + missed})  # fmt: skip
    ranking = ranking.sort_values(["score", "village_code"], ascending=[False, True])
    k = min(int(settings.simulation.extra_visit_villages), v)
    top = np.zeros(v, dtype=bool)
    top[model.villages.get_indexer(ranking["village_code"].iloc[:k])] = True
    return top, ranking.reset_index(drop=True)
