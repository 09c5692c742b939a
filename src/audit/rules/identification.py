"""漏评 (missed poor) identification for visited non-registered households, census-rules.md §B.

A non-registered household is 漏评 when its per-capita net income is at or
below the poverty line, or it fails any of FOOD-01, CLOTH-01, EDU-01, MED-01,
HOUSE-01, WATER-01..04. The indicators are the very functions that judge
registered households (:func:`audit.rules.census.indicators`), applied to what
the cadre observed at the door (the ``visits`` table has the census-view columns).
"""

from __future__ import annotations

import pandas as pd

from audit.rules.census import indicators

__all__ = ["MISSED_POOR_INDICATORS", "judge_visits"]

MISSED_POOR_INDICATORS = ("INC-01", "FOOD-01", "CLOTH-01", "EDU-01", "MED-01", "HOUSE-01",
                          "WATER-01", "WATER-02", "WATER-03", "WATER-04")  # fmt: skip


def judge_visits(visits: pd.DataFrame, households: pd.DataFrame, settings) -> pd.DataFrame:
    """Judge each visited household on the census indicators from what was observed.

    Parameters
    ----------
    visits : DataFrame
        The ``visits`` table (the latest visit of a household counts).
    households : DataFrame
        The ``households`` table (for status and relocation).
    settings : Settings

    Returns
    -------
    DataFrame
        One row per visited household: ``household_id, status``, one nullable
        boolean column per census indicator, ``fails_census`` (any critical
        indicator fails), ``missed_poor`` (漏评, for 一般农户 only, §B),
        ``unknown`` (no failure found but some indicator could not be judged).
    """
    latest = visits.sort_values(["household_id", "visit_date"]).drop_duplicates(
        "household_id", keep="last")  # fmt: skip
    hh = households.set_index("household_id")
    view = latest.assign(relocated=hh["relocated"].reindex(latest["household_id"]).to_numpy(),
                         house_safe=latest["house_safe"])  # fmt: skip
    judged = indicators(view.reset_index(drop=True), settings)
    fails = judged.fillna(False).any(axis=1)
    missed_cols = judged[list(MISSED_POOR_INDICATORS)]
    status = hh["status"].reindex(latest["household_id"]).astype(str).to_numpy()
    out = pd.concat([latest[["household_id"]].reset_index(drop=True).assign(status=status),
                     judged], axis=1)  # fmt: skip
    out["fails_census"] = fails.to_numpy()
    out["missed_poor"] = (status == "一般农户") & missed_cols.fillna(False).any(axis=1).to_numpy()
    out["unknown"] = ~out["fails_census"] & judged.isna().any(axis=1).to_numpy()
    return out
