"""The simulation's results as frames: forecasts by place and indicator, metrics, scenarios.

Prediction intervals are the empirical quantiles of the runs (inverted CDF, so
the bounds of a count are counts); the chance of breaching a threshold is the
share of runs in which the census's figure reaches it (a metric "passes" below
its threshold, census-rules.md §F).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from audit.rules.census import CENSUS_INDICATORS
from audit.simulate.frames import STATES
from audit.simulate.scenarios import SCENARIOS, scenario_names
from audit.stats.exit_metrics import METRICS

__all__ = [
    "FILES",
    "QUANTILES",
    "RATE_METRICS",
    "SimulationResult",
    "count_quantiles",
    "load_simulation",
    "save_frames",
]

#: Quantiles reported and their column names.
QUANTILES = {"p2_5": 0.025, "p10": 0.10, "p90": 0.90, "p97_5": 0.975}
#: Metrics the census computes (approval is a survey, not simulated).
RATE_METRICS = ("wrong_exit_rate", "missed_poor_rate", "poverty_incidence")
#: Frame → file in a run folder.
FILES = {"summary": "simulation.parquet", "metrics": "simulation_metrics.parquet",
         "scenarios": "simulation_scenarios.parquet"}  # fmt: skip


@dataclass
class SimulationResult:
    """What the simulated census finds (see :func:`audit.simulate.census`).

    Attributes
    ----------
    summary : DataFrame
        Long format: ``level`` (county/township/village), ``code`` ("county" for
        the county), ``township_code``, ``name``, ``indicator`` (rule id, or
        "ALL" = failing any indicator), ``registered``, ``recorded`` (failing in
        the record), ``expected``, ``p2_5``, ``p10``, ``p90``, ``p97_5``,
        ``p_any`` (chance of at least one), and for "ALL" rows
        ``expected_after_actions``, ``p_any_after_actions`` (if every 一户一策
        action is done).
    metrics : DataFrame
        ``level, code, metric, name, threshold, mean, p2_5, p10, p90, p97_5,
        p_breach`` for 错退率, 漏评率, 综合贫困发生率 as the census would measure them.
    scenarios : DataFrame
        ``scenario, scenario_name, level, code, metric, name, threshold, mean,
        p10, p90, p_breach, base_mean, base_p_breach, change`` (change in the
        chance of breaching, percentage points as a fraction).
    county_draws : DataFrame
        One row per run: the county's failing households and three rates (base).
    model_rates, missed_rates, villages_to_visit : DataFrame
        The estimated rates (for the analysts) and the ranking of villages for
        extra visits.
    info : dict
        runs, seed, pace source, top villages, design, visit errors.
    """

    summary: pd.DataFrame
    metrics: pd.DataFrame
    scenarios: pd.DataFrame
    county_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    missed_rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    villages_to_visit: pd.DataFrame = field(default_factory=pd.DataFrame)
    info: dict = field(default_factory=dict)

    def save(self, folder) -> Path:
        """Write the three Parquet files of :data:`FILES` into ``folder``."""
        return save_frames(self.frames(), folder)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Frames a run keeps (``Artifacts.extra``): summary, by indicator, metrics, scenarios."""
        s = self.summary
        return {
            "simulation_summary": s[s["indicator"] == "ALL"].reset_index(drop=True),
            "simulation_by_indicator": s[s["indicator"] != "ALL"].reset_index(drop=True),
            "simulation_metrics": self.metrics,
            "simulation_scenarios": self.scenarios,
        }


def save_frames(frames: dict[str, pd.DataFrame], folder) -> Path:
    """Write the frames of :meth:`SimulationResult.frames` as the three Parquet files of a run."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = pd.concat([frames["simulation_by_indicator"], frames["simulation_summary"]],
                        ignore_index=True)  # fmt: skip
    summary.to_parquet(folder / FILES["summary"], index=False)
    frames["simulation_metrics"].to_parquet(folder / FILES["metrics"], index=False)
    frames["simulation_scenarios"].to_parquet(folder / FILES["scenarios"], index=False)
    return folder


def load_simulation(folder) -> dict[str, pd.DataFrame] | None:
    """Read what :meth:`SimulationResult.save` wrote, keyed as its ``frames()`` (None if absent)."""
    folder = Path(folder)
    if not all((folder / n).exists() for n in FILES.values()):
        return None
    s = pd.read_parquet(folder / FILES["summary"])
    return {
        "simulation_summary": s[s["indicator"] == "ALL"].reset_index(drop=True),
        "simulation_by_indicator": s[s["indicator"] != "ALL"].reset_index(drop=True),
        "simulation_metrics": pd.read_parquet(folder / FILES["metrics"]),
        "simulation_scenarios": pd.read_parquet(folder / FILES["scenarios"]),
    }


def _quantiles(a: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and quantiles over runs (last axis) of real values ``[units × R]``."""
    q = np.quantile(a, list(QUANTILES.values()), axis=-1, method="inverted_cdf")
    out = {"expected": a.mean(axis=-1)}
    out.update({name: q[i] for i, name in enumerate(QUANTILES)})
    return out


def count_quantiles(a: np.ndarray, block: int = 256) -> dict[str, np.ndarray]:
    """Mean, quantiles and chance of at least one, over runs, of counts ``[units × R]``.

    Exact inverted-CDF quantiles from per-unit histograms (the counts are small
    whole numbers, so a histogram is cheaper than sorting 10,000 runs per unit).
    """
    units, runs = a.shape
    out = {"expected": a.mean(axis=-1)}
    qs = {name: np.zeros(units) for name in QUANTILES}
    for lo in range(0, units, block):  # blocks of units keep the histograms small
        part = a[lo : lo + block]
        top = int(part.max()) + 1 if part.size else 1
        offset = np.arange(len(part))[:, None] * top
        hist = np.bincount((part + offset).ravel(), minlength=len(part) * top)
        cum = np.cumsum(hist.reshape(len(part), top), axis=1)
        for name, q in QUANTILES.items():
            qs[name][lo : lo + block] = (cum >= q * runs - 1e-9).argmax(axis=1)
    out.update(qs)
    out["p_any"] = (a > 0).mean(axis=-1)
    return out


def _count_rows(level, codes, towns_of, names, indicator, draws, registered, recorded, after=None):
    q = count_quantiles(draws)
    rows = pd.DataFrame({"level": level, "code": codes, "township_code": towns_of, "name": names,
                         "indicator": indicator, "registered": registered,
                         "recorded": recorded, **q})  # fmt: skip
    if after is not None:
        rows["expected_after_actions"] = after.mean(axis=-1)
        rows["p_any_after_actions"] = (after > 0).mean(axis=-1)
    return rows


def _metric_rows(level, codes, values: dict, settings, scenario=None) -> pd.DataFrame:
    frames = []
    for key in RATE_METRICS:  # three metrics
        name, setting, _ = METRICS[key]
        thr = float(getattr(settings.thresholds, setting))
        a = values[key]
        missing = np.isnan(a).any(axis=-1)
        q = _quantiles(np.where(missing[:, None], 0.0, a))
        breach = np.where(missing, np.nan, (a >= thr).mean(axis=-1))
        frame = pd.DataFrame({"level": level, "code": codes, "metric": key, "name": name,
                              "threshold": thr, "mean": q["expected"],
                              **{k: q[k] for k in QUANTILES}, "p_breach": breach})  # fmt: skip
        cols = ["mean", *QUANTILES]
        frame.loc[missing, cols] = np.nan
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if scenario is not None:
        out.insert(0, "scenario", scenario)
    return out


def _rates(draws, j, miss_j, poor, exited_people, nonreg_people, rural, weight):
    """County (row 0) and township (rows 1..T) rates of scenario ``j``, ``[1 + T × R]``."""
    people = draws.wrong_exit_people[j]
    missed = draws.missed_rate[miss_j]
    col = lambda v: v[:, None]  # noqa: E731
    with np.errstate(invalid="ignore", divide="ignore"):
        wrong = people / col(np.where(exited_people > 0, exited_people, np.nan))
        w = np.where(np.isnan(missed), 0.0, col(weight))
        county_missed = np.where(w.sum(0) > 0, (np.nan_to_num(missed) * w).sum(0) / w.sum(0),
                                 np.nan)  # fmt: skip
        county_wrong = people.sum(0) / exited_people.sum()
        inc = (col(poor) + people + missed * col(nonreg_people)) / col(rural)
        county_inc = (
            poor.sum() + people.sum(0) + county_missed * nonreg_people.sum()
        ) / rural.sum()
    return {
        "wrong_exit_rate": np.vstack([county_wrong, wrong]),
        "missed_poor_rate": np.vstack([county_missed, missed]),
        "poverty_incidence": np.vstack([county_inc, inc]),
    }


def _by_township(a: np.ndarray, village_township: np.ndarray, t: int) -> np.ndarray:
    """Sum ``[... × V × R]`` counts over the villages of each township → ``[... × T × R]``."""
    return np.stack([a[..., village_township == h, :].sum(axis=-2) for h in range(t)], axis=-2)


def summarise(dataset, settings, model, reg, nonreg, towns, villages, vt, draws, *, top, ranking,
              pace_source, seed, census_design) -> SimulationResult:  # fmt: skip
    """Turn the accumulated runs into a :class:`SimulationResult`."""
    t, v = len(towns), len(villages)
    vnames = dataset.villages.set_index(dataset.villages["village_code"].astype(str))["name"]
    vnames = vnames.reindex(villages).tolist()
    tnames = dataset.townships.set_index(dataset.townships["township_code"].astype(str))["name"]
    tnames = tnames.reindex(towns).tolist()
    county_name = str(dataset.meta.get("county_name") or "全县")
    registered_v = np.bincount(reg.village, minlength=v)
    registered_t = np.bincount(reg.township, minlength=t)
    failing = reg.state == STATES["fail"]
    rec_v = np.stack(
        [
            np.bincount(reg.village, weights=failing[:, k], minlength=v)
            for k in range(len(CENSUS_INDICATORS))
        ]
    )  # fmt: skip  [K × V]
    rec_v_all = np.bincount(reg.village, weights=failing.any(axis=1), minlength=v)
    rec_t_all = np.bincount(vt, weights=rec_v_all, minlength=t)  # exact: sums of whole numbers
    vi = draws.village_indicator  # [K × V × R]
    town_ind = _by_township(vi, vt, t)  # [K × T × R]
    town_all = _by_township(draws.village_all, vt, t)  # [S × T × R]
    base_all, after_all = draws.village_all[0], draws.village_all[1]
    n_reg = [len(reg.village)]
    vtowns = list(towns[vt])
    rows = []
    for k, rule_id in enumerate(CENSUS_INDICATORS):  # eleven indicators
        rows.append(
            _count_rows(
                "county",
                ["county"],
                [None],
                [county_name],
                rule_id,
                town_ind[k].sum(0, keepdims=True),
                n_reg,
                [rec_v[k].sum()],
            )
        )
        rows.append(
            _count_rows(
                "township",
                list(towns),
                list(towns),
                tnames,
                rule_id,
                town_ind[k],
                registered_t,
                np.bincount(vt, weights=rec_v[k], minlength=t),
            )
        )
        rows.append(_count_rows("village", list(villages), vtowns, vnames, rule_id, vi[k],
                                registered_v, rec_v[k]))  # fmt: skip
    rows.append(_count_rows("county", ["county"], [None], [county_name], "ALL",
                            town_all[0].sum(0, keepdims=True), n_reg, [rec_v_all.sum()],
                            town_all[1].sum(0, keepdims=True)))  # fmt: skip
    rows.append(_count_rows("township", list(towns), list(towns), tnames, "ALL", town_all[0],
                            registered_t, rec_t_all, town_all[1]))  # fmt: skip
    rows.append(_count_rows("village", list(villages), vtowns, vnames, "ALL", base_all,
                            registered_v, rec_v_all, after_all))  # fmt: skip
    summary = pd.concat(rows, ignore_index=True)
    summary["recorded"] = summary["recorded"].astype(np.int64)
    summary["registered"] = summary["registered"].astype(np.int64)
    for col in ("level", "code", "township_code", "name", "indicator"):
        summary[col] = summary[col].astype("str")

    poor = np.bincount(reg.township, weights=np.where(reg.exited, 0.0, reg.people), minlength=t)
    exited_people = np.bincount(reg.township, weights=np.where(reg.exited, reg.people, 0.0),
                                minlength=t)  # fmt: skip
    nonreg_people = np.bincount(nonreg.township, weights=nonreg.people, minlength=t)
    rural = np.bincount(reg.township, weights=reg.people, minlength=t) + nonreg_people
    codes = ["county", *towns]
    levels = ["county"] + ["township"] * t
    names = scenario_names(settings, pace_source)
    scen, base_values = [], None
    for j, s in enumerate(SCENARIOS):  # five scenarios
        miss_j = 1 if s in ("more_visits", "all_measures") else 0
        values = _rates(draws, j, miss_j, poor, exited_people, nonreg_people, rural,
                        census_design.weight)  # fmt: skip
        if s == "base":
            base_values = values
        m = _metric_rows(levels, codes, values, settings, scenario=s)
        q = count_quantiles(np.vstack([town_all[j].sum(0), town_all[j]]))
        fh = pd.DataFrame({"scenario": s, "level": levels, "code": codes,
                           "metric": "failing_households", "name": "普查不达标户",
                           "threshold": np.nan, "mean": q["expected"],
                           **{k: q[k] for k in QUANTILES}, "p_breach": np.nan})  # fmt: skip
        scen.append(pd.concat([fh, m], ignore_index=True))
    scenarios = pd.concat(scen, ignore_index=True)
    scenarios.insert(1, "scenario_name", scenarios["scenario"].map(names))
    base = scenarios[scenarios["scenario"] == "base"].set_index(["level", "code", "metric"])
    key = pd.MultiIndex.from_frame(scenarios[["level", "code", "metric"]])
    scenarios["base_mean"] = base["mean"].reindex(key).to_numpy()
    scenarios["base_p_breach"] = base["p_breach"].reindex(key).to_numpy()
    scenarios["change"] = scenarios["p_breach"] - scenarios["base_p_breach"]
    metrics = _metric_rows(levels, codes, base_values, settings)

    county_draws = pd.DataFrame({"failing_households": town_all[0].sum(0),
                                 **{k: base_values[k][0] for k in RATE_METRICS}})  # fmt: skip
    pos = villages.get_indexer(ranking["village_code"])
    visit_rank = ranking.assign(township_code=towns[vt[pos]], name=np.asarray(vnames)[pos],
                                selected=top[pos])  # fmt: skip
    info = {
        "runs": int(vi.shape[-1]),
        "seed": seed,
        "pace_source": pace_source,
        "design": census_design.design,
        "census_sample": int(census_design.n.sum()),
        "top_villages": list(villages[top]),
        "visit_sensitivity": dict(zip(CENSUS_INDICATORS, model.sensitivity.tolist(), strict=True)),
        "visit_false_alarm": dict(zip(CENSUS_INDICATORS, model.false_alarm.tolist(), strict=True)),
        "missed_false_alarm": float(model.missed_false_alarm),
        "visited_registered": int(reg.visited.sum()),
        "visited_nonregistered": int((nonreg.visit > 0).sum()),
    }
    return SimulationResult(summary, metrics, scenarios, county_draws, model.rates(),
                            model.missed_rates(), visit_rank, info)  # fmt: skip
