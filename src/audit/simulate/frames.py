"""What the simulation knows of each household: its record, its visit, its place.

For every registered household (未脱贫/已脱贫) and census indicator the
*recorded state* (:data:`STATES`: ineligible, pass, fail, unknown) comes from
the rule engine's findings; a household is *ineligible* for an indicator the
rule cannot fail for it whatever the truth, judging from parts of the record
the census does not contest (EDU-01 needs a member of compulsory-school age,
HOUSE-02 a relocated household, WATER-03 a household not piped). The *visit
state* (:data:`VISIT_STATES`) is what a cadre observed at the latest visit
(:func:`audit.rules.judge_visits`). Non-registered households (一般农户) carry
their village and whether a visit found them 漏评.

Nothing here reads the synthetic true layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.codes import REGISTERED
from audit.rules.census import CENSUS_INDICATORS

__all__ = ["STATES", "VISIT_STATES", "Households", "NonRegistered", "build_frames"]

#: Recorded state codes of a registered household on one indicator.
STATES = {"ineligible": 0, "pass": 1, "fail": 2, "unknown": 3}
#: Visit state codes: not visited, observed passing, observed failing, visited but not judged.
VISIT_STATES = {"none": 0, "pass": 1, "fail": 2, "unjudged": 3}
ELIGIBILITY = ("EDU-01", "HOUSE-02", "WATER-03")


@dataclass
class Households:
    """Registered households as arrays (one row each, indicators in CENSUS_INDICATORS order)."""

    household_id: np.ndarray
    village: np.ndarray  # position in the model's villages
    township: np.ndarray  # position in the model's townships
    exited: np.ndarray  # 已脱贫 (True) or 未脱贫
    people: np.ndarray
    state: np.ndarray  # int8 [n × K], STATES
    visit: np.ndarray  # int8 [n × K], VISIT_STATES

    @property
    def visited(self) -> np.ndarray:
        """Households with a visit record."""
        return (self.visit != 0).any(axis=1)


@dataclass
class NonRegistered:
    """Non-registered households (一般农户): place, people and the visit's 漏评 verdict."""

    household_id: np.ndarray
    village: np.ndarray
    township: np.ndarray
    people: np.ndarray
    visit: np.ndarray  # int8, VISIT_STATES (fail = found 漏评)


def _people(ctx) -> np.ndarray:
    """People per household (aligned with ``ctx.households``): member rows, else declared size."""
    declared = ctx.households["declared_size"].astype("Float64").fillna(0).to_numpy(dtype=float)
    rows = ctx.member_count
    return np.where(rows > 0, rows, declared)


def _recorded(findings: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """Recorded state (pass/fail/unknown) per household × indicator from the findings."""
    f = findings[findings["rule_id"].isin(CENSUS_INDICATORS) & findings["household_id"].notna()]
    state = np.full((len(ids), len(CENSUS_INDICATORS)), STATES["pass"], dtype=np.int8)
    rows = ids.get_indexer(f["household_id"])
    cols = pd.Index(CENSUS_INDICATORS).get_indexer(f["rule_id"].astype(str))
    keep = rows >= 0
    outcome = f["outcome"].astype(str).to_numpy()[keep]
    rows, cols = rows[keep], cols[keep]
    unknown = outcome == "unknown"
    state[rows[unknown], cols[unknown]] = STATES["unknown"]
    state[rows[~unknown], cols[~unknown]] = STATES["fail"]  # a failure outranks an unknown
    return state


def _eligible(ctx, reg: np.ndarray) -> np.ndarray:
    """Registered households each indicator can fail for at all (all but three: always)."""
    hh = ctx.households[reg]
    children = ctx.count_by_household(ctx.compulsory_age)[reg] > 0
    relocated = hh["relocated"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    piped = hh["water_piped"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    ok = np.ones((len(hh), len(CENSUS_INDICATORS)), dtype=bool)
    col = {k: i for i, k in enumerate(CENSUS_INDICATORS)}
    ok[:, col["EDU-01"]] = children
    ok[:, col["HOUSE-02"]] = relocated
    ok[:, col["WATER-03"]] = ~piped
    return ok


def _visit_states(judged: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Visit state per household × indicator (0 where the household was not visited)."""
    j = judged.set_index("household_id").reindex(ids)
    seen = ids.isin(judged["household_id"]).to_numpy()
    out = np.zeros((len(ids), len(CENSUS_INDICATORS)), dtype=np.int8)
    for i, rule_id in enumerate(CENSUS_INDICATORS):  # eleven indicators
        v = j[rule_id].astype("boolean")
        seen_fail = np.where(v.fillna(False), VISIT_STATES["fail"], VISIT_STATES["pass"])
        code = np.where(v.isna(), VISIT_STATES["unjudged"], seen_fail)
        out[:, i] = np.where(seen, code, VISIT_STATES["none"])
    return out


def build_frames(dataset, findings, settings, sample_results=None):
    """Build the registered and non-registered household frames of the simulation.

    Parameters
    ----------
    dataset : Dataset
    findings : DataFrame
        :func:`audit.rules.run` output for ``dataset``.
    settings : Settings
    sample_results : DataFrame, optional
        The run's sample with ``fails_census`` per visited sampled household.
        When given, only the 一般农户 of this probability sample inform the
        漏评 rates (visits outside it may be targeted, hence not random).

    Returns
    -------
    townships, villages : Index
        Codes, in the order the positions refer to.
    village_township : ndarray
        Township position of each village.
    registered : Households
    nonregistered : NonRegistered
    rate_visits : ndarray of bool
        For each non-registered household, whether its visit informs the 漏评 rates.
    """
    from audit.rules import judge_visits
    from audit.rules.context import Context

    ctx = Context(dataset, settings)
    towns = pd.Index(sorted(dataset.townships["township_code"].astype(str)))
    vil = dataset.villages[["village_code", "township_code"]].astype(str)
    vil = vil.sort_values("village_code", ignore_index=True)
    villages = pd.Index(vil["village_code"])
    village_township = towns.get_indexer(vil["township_code"])
    hh = ctx.households
    people = _people(ctx)
    vpos = villages.get_indexer(hh["village_code"].astype(str))
    if (vpos < 0).any():
        vpos = np.where(vpos < 0, 0, vpos)  # unknown villages are reported by the rules
    tpos = village_township[vpos]
    judged = judge_visits(dataset.visits, dataset.households, settings)
    reg = hh["status"].isin(REGISTERED).to_numpy()
    r = hh[reg].reset_index(drop=True)
    ids = pd.Index(r["household_id"])
    state = _recorded(findings, ids)
    state = np.where(_eligible(ctx, reg) | (state != STATES["pass"]), state,
                     STATES["ineligible"]).astype(np.int8)  # fmt: skip
    registered = Households(
        household_id=r["household_id"].to_numpy(dtype=object),
        village=vpos[reg],
        township=tpos[reg],
        exited=r["status"].astype(str).eq("已脱贫").to_numpy(),
        people=people[reg],
        state=state,
        visit=_visit_states(judged, r["household_id"]),
    )
    n = hh[~reg].reset_index(drop=True)
    missed = judged.set_index("household_id")["missed_poor"].reindex(n["household_id"])
    seen = n["household_id"].isin(judged["household_id"]).to_numpy()
    visit = np.where(~seen, 0, np.where(missed.fillna(False).to_numpy(dtype=bool), 2, 1))
    nonreg = NonRegistered(
        household_id=n["household_id"].to_numpy(dtype=object),
        village=vpos[~reg],
        township=tpos[~reg],
        people=people[~reg],
        visit=visit.astype(np.int8),
    )
    rate_visits = seen
    if sample_results is not None and len(sample_results):
        s = sample_results[sample_results["status"].astype(str).eq("一般农户")]
        s = s[s["fails_census"].notna()]
        rate_visits = seen & n["household_id"].isin(s["household_id"]).to_numpy()
    return towns, villages, village_township, registered, nonreg, rate_visits
