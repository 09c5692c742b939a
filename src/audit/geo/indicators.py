"""Plain per-village counts from the registry, for maps until rule findings exist.

These are counts of what the registry itself records, not audit findings: the rule
engine (:mod:`audit.rules`) and the shrunk village rates (:func:`audit.stats.shrink_rates`)
replace them in the reports once they land. The interval of a rate is Wilson's score
interval (Wilson 1927, *JASA* 22:209-212), :func:`audit.stats.proportion_ci`.

Counted per village, among registered households (status 未脱贫 or 已脱贫):

- ``registered_households``, ``registered_people``;
- ``unsafe_house_households``: house grade C or D, not renovated and not relocated;
- ``uninsured_people``: members recorded 未参保 with no exemption reason;
- ``problem_households``: households with either of the above;
- ``problem_rate`` = problem_households / registered_households, with ``problem_rate_low``
  and ``problem_rate_high`` (95 % Wilson interval);
- ``status``: 达标 (rate below 5 %), 风险 (5 % to below 15 %), 未达标 (15 % or more); NA
  where the village has no registered household. A placeholder for the demo maps, not the
  readiness verdict, which comes from the rule engine and the census simulation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.codes import REGISTERED
from audit.stats import proportion_ci

__all__ = ["STATUS_LABELS", "village_counts"]

#: Readiness labels, best first.
STATUS_LABELS = ("达标", "风险", "未达标")


def village_counts(dataset, status_breaks: tuple[float, float] = (0.05, 0.15)) -> pd.DataFrame:
    """Count registered households and their recorded problems per village.

    Parameters
    ----------
    dataset : audit.Dataset
    status_breaks : (float, float), default (0.05, 0.15)
        Problem rates at which the demo status turns from 达标 to 风险 and from 风险 to
        未达标.

    Returns
    -------
    DataFrame
        One row per village of ``dataset.villages`` (in its order): ``village_code``,
        ``township_code``, ``name`` and the columns listed in the module docstring.
    """
    hh = dataset.households
    reg = hh[hh["status"].isin(REGISTERED)]
    unsafe = (
        reg["house_grade"].isin(["C", "D"])
        & ~reg["house_renovated"].fillna(False).astype(bool)
        & ~reg["relocated"].fillna(False).astype(bool)
    )
    m = dataset.members
    m = m[m["household_id"].isin(reg["household_id"])]
    uninsured = (m["medical_insurance"] == "未参保") & m["insurance_exemption"].isna()
    per_hh = uninsured.groupby(m["household_id"]).sum()
    people = m.groupby("household_id").size()
    ids = reg["household_id"]
    frame = pd.DataFrame(
        {
            "village_code": reg["village_code"].astype(str).to_numpy(),
            "people": ids.map(people).fillna(0).to_numpy(dtype=int),
            "uninsured": ids.map(per_hh).fillna(0).to_numpy(dtype=int),
            "unsafe": unsafe.to_numpy(dtype=bool),
        }
    )
    frame["problem"] = frame["unsafe"] | (frame["uninsured"] > 0)
    agg = frame.groupby("village_code").agg(
        registered_households=("village_code", "size"),
        registered_people=("people", "sum"),
        unsafe_house_households=("unsafe", "sum"),
        uninsured_people=("uninsured", "sum"),
        problem_households=("problem", "sum"),
    )
    out = dataset.villages[["village_code", "township_code", "name"]].astype(
        {"village_code": str, "township_code": str}
    )
    out = out.merge(agg, left_on="village_code", right_index=True, how="left")
    counts = list(agg.columns)
    out[counts] = out[counts].fillna(0).astype(int)
    n, x = out["registered_households"], out["problem_households"]
    out["problem_rate"] = (x / n).where(n > 0)
    low, high = proportion_ci(x.to_numpy(), n.to_numpy(), method="wilson")
    out["problem_rate_low"] = np.where(n > 0, low, np.nan)
    out["problem_rate_high"] = np.where(n > 0, high, np.nan)
    rate = out["problem_rate"].to_numpy()
    status = np.select(
        [rate < status_breaks[0], rate < status_breaks[1]], STATUS_LABELS[:2], "未达标"
    )
    out["status"] = pd.Categorical(
        np.where(n > 0, status, None), categories=list(STATUS_LABELS), ordered=True
    )
    return out.reset_index(drop=True)
