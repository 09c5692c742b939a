"""Monte Carlo census: what the census will find, run after run.

Each run (1) draws the rates of the discrepancy model from their posterior
(:mod:`audit.simulate.model`) and, from them, the true status of every
registered household on every census indicator — a visited household from
what the cadre saw, an unvisited one from its record; (2) draws the census's
own sample of 一般农户 and the 漏评 among them
(:mod:`audit.simulate.census_sample`); (3) applies the census rules: a
registered household fails when it fails any indicator, a failing 已脱贫
household is 错退; (4) computes what the census would report: 错退率 over all
已脱贫 people (the census enumerates every registered household), 漏评率 from
its sample, and 综合贫困发生率 = (people still 未脱贫 + 错退 people + the
census's estimate of 漏评 people) ÷ rural people.

Households are never looped over: they are grouped in cells of exchangeable
households (:mod:`audit.simulate.cells`) and each cell is one binomial per
run; runs are vectorised in blocks of :data:`BLOCK` with one child generator
per block (``SeedSequence(seed).spawn``), so the numbers depend only on the
data, the settings, the seed and the number of runs — never on how the work
is split. Scenarios of planned fixes thin the same draws
(:mod:`audit.simulate.scenarios`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from audit.rules.census import CENSUS_INDICATORS
from audit.simulate.cells import CODES, household_cells, indicator_groups
from audit.simulate.census_sample import census_sample, measured_missed_rate
from audit.simulate.detection import posterior_given_visit
from audit.simulate.frames import STATES, build_frames
from audit.simulate.model import fit_model
from audit.simulate.result import SimulationResult, summarise
from audit.simulate.scenarios import SCENARIOS, pace_shares, top_villages

__all__ = ["BLOCK", "census"]

#: Runs drawn together (one child generator each); fixed so results never depend on it.
BLOCK = 250
K = len(CENSUS_INDICATORS)


def _membership(index: np.ndarray, n: int, weights=None) -> sparse.csr_matrix:
    """Sparse areas × cells matrix (row ``a`` sums the cells of area ``a``)."""
    w = np.ones(len(index), dtype=np.int64) if weights is None else weights
    return sparse.csr_matrix((w, (index, np.arange(len(index)))), shape=(n, len(index)))


def _log_keep(p: np.ndarray) -> np.ndarray:
    """``log(1 − p)``, finite (p is capped just below 1)."""
    return np.log1p(-np.minimum(p, 1.0 - 1e-12))


@dataclass
class _Draws:
    """Everything the runs accumulate (runs on the last axis)."""

    village_indicator: np.ndarray  # [K × V × R] base failing households
    village_all: np.ndarray  # [S × V × R] failing any indicator, per scenario
    wrong_exit_people: np.ndarray  # [S × T × R]
    missed_rate: np.ndarray  # [2 × T × R]: base, with extra visits


def _thin(rng, x: np.ndarray, child: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Keep each of the ``x`` failures with chance ``child / parent`` (binomial thinning)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = np.where(parent > 0, child / parent, 0.0)
    return rng.binomial(x, np.clip(keep, 0.0, 1.0))


class _Engine:
    """The precomputed groups and cells, and the drawing of one block of runs."""

    def __init__(self, model, reg, top, shares, cs, n_villages, n_townships):
        self.model, self.cs = model, cs
        self.v, self.t = n_villages, n_townships
        point = model.point_chances(reg)
        self.groups = [indicator_groups(reg, k, n_villages, point[:, k], n_townships * CODES)
                       for k in range(K)]  # fmt: skip
        chance = 1.0 - np.prod(1.0 - point, axis=1)
        hc = household_cells(reg, top, chance)
        self.hc = hc
        fail, hidden = STATES["fail"], (STATES["pass"], STATES["unknown"])
        # Per indicator, how each used column changes under the scenarios (multipliers).
        self.pace = []  # plain columns: 1 − share where the state is "fail", else 1
        self.fixed = []  # plain columns: 0 where "fail", else 1
        self.found = []  # top pairs: 1 − σ where flagged and hidden, else 1
        self.fixed_found = []
        for k in range(K):  # eleven indicators
            col = hc.plain[k]
            state, town = (col % CODES) // 4, col // CODES
            self.fixed.append(np.where(state == fail, 0.0, 1.0))
            self.pace.append(np.where(state == fail, 1.0 - shares[town, k], 1.0))
            flag, pcol = hc.top[k][:, 0], hc.top[k][:, 1]
            pstate = (pcol % CODES) // 4
            f = np.where((flag == 1) & np.isin(pstate, hidden), 1.0 - model.sensitivity[k], 1.0)
            self.found.append(f)
            self.fixed_found.append(f * np.where(pstate == fail, 0.0, 1.0))
        subsets = {"on_pace": hc.fixable, "actions_done": hc.fixable, "more_visits": hc.in_top,
                   "all_measures": hc.fixable | hc.in_top}  # fmt: skip
        self.subset = {s: np.flatnonzero(a) for s, a in subsets.items()}
        top_aware = ("more_visits", "all_measures")
        self.incidence = {s: (hc.incidence_top if s in top_aware else hc.incidence)[idx]
                          for s, idx in self.subset.items()}  # fmt: skip
        w = hc.weights
        self.rows = {"fix": np.flatnonzero(w[:, hc.fixable].getnnz(axis=1) > 0),
                     "top": np.flatnonzero(w[:, hc.in_top].getnnz(axis=1) > 0)}  # fmt: skip
        self.sub_weights = {key: w[r] for key, r in self.rows.items()}
        self.vmember = _membership(hc.village, n_villages)
        self.tpeople = _membership(hc.township, n_townships, np.where(hc.exited, hc.people, 0.0))
        self.factor = np.where(top, 1.0 - model.missed_sensitivity, 1.0)

    def _chances(self, pi: np.ndarray) -> list[np.ndarray]:
        """Chance tables per indicator, ``[T·16 × R]`` (row = 16·township + 4·state + visit)."""
        m = self.model
        runs = pi.shape[-1]
        visit = np.arange(4)[None, None, :, None]
        out = []
        for k in range(K):  # eleven indicators
            prior = pi[k].transpose(1, 0, 2)[:, :, None, :]  # [T × 4 × 1 × R]
            tab = posterior_given_visit(prior, visit, m.sensitivity[k], m.false_alarm[k])
            out.append(np.clip(tab.reshape(-1, runs), 0.0, 1.0))
        return out

    def _logs(self, chances, scenario: str) -> np.ndarray:
        """Stacked log-survival rows of the columns the household types use, for a scenario."""
        hc = self.hc
        rows = []
        for k, tab in enumerate(chances):  # eleven indicators
            if scenario in ("more_visits", "all_measures"):
                mult = self.found[k] if scenario == "more_visits" else self.fixed_found[k]
                rows.append(tab[hc.top[k][:, 1]] * mult[:, None])
            else:
                mult = {"base": None, "actions_done": self.fixed[k], "on_pace": self.pace[k]}
                part = tab[hc.plain[k]]
                rows.append(part if mult[scenario] is None else part * mult[scenario][:, None])
        return _log_keep(np.concatenate(rows))

    def _indicator(self, rng, g, chance: np.ndarray) -> np.ndarray:
        """Failing households of one indicator per village, ``[V × R]``."""
        runs = chance.shape[-1]
        x = rng.binomial(g.low_size[:, None], chance[g.low_column])  # [G × R]
        flat = x.ravel()
        event = np.repeat(np.arange(flat.size), flat)
        group, run = np.divmod(event, runs)
        pick = (rng.random(len(event)) * g.low_size[group]).astype(np.int64)
        village = g.low_village[g.low_start[group] + pick]
        out = np.bincount(village * runs + run, minlength=self.v * runs).reshape(self.v, runs)
        if len(g.high_size):
            p = np.clip(g.high_weights @ chance, 0.0, 1.0)
            out += g.high_member @ rng.binomial(g.high_size[:, None], p)
        return out

    def _scenario_cells(self, chances, p_type, scenario: str, rows: str) -> np.ndarray:
        """Chance of the cells ``rows`` under a scenario, ``[rows × R]``."""
        p = p_type.copy()
        idx = self.subset[scenario]
        if len(idx):
            p[idx] = -np.expm1(self.incidence[scenario] @ self._logs(chances, scenario))
        return np.clip(self.sub_weights[rows] @ p, 0.0, 1.0)

    def block(self, rng, runs: int):
        """Draw one block of ``runs`` runs; return the block's arrays (runs last)."""
        m, hc = self.model, self.hc
        chances = self._chances(m.draw_registered(runs, rng))
        vi = np.empty((K, self.v, runs), dtype=np.int32)
        for k, g in enumerate(self.groups):  # eleven indicators
            vi[k] = self._indicator(rng, g, chances[k])
        p_type = -np.expm1(hc.incidence @ self._logs(chances, "base"))  # [U × R]
        base = np.clip(hc.weights @ p_type, 0.0, 1.0)
        x_base = rng.binomial(hc.size.astype(np.int64)[:, None], base)
        fix, top = self.rows["fix"], self.rows["top"]
        pace = self._scenario_cells(chances, p_type, "on_pace", "fix")
        done = self._scenario_cells(chances, p_type, "actions_done", "fix")
        x = {"base": x_base, "on_pace": x_base.copy()}
        x["on_pace"][fix] = _thin(rng, x_base[fix], pace, base[fix])
        x["actions_done"] = x["on_pace"].copy()
        x["actions_done"][fix] = _thin(rng, x["on_pace"][fix], done, pace)
        done_full = base.copy()
        done_full[fix] = done
        more = self._scenario_cells(chances, p_type, "more_visits", "top")
        both = self._scenario_cells(chances, p_type, "all_measures", "top")
        x["more_visits"] = x_base.copy()
        x["more_visits"][top] = _thin(rng, x_base[top], more, base[top])
        x["all_measures"] = x["actions_done"].copy()
        x["all_measures"][top] = _thin(rng, x["actions_done"][top], both, done_full[top])
        va = np.stack([self.vmember @ x[s] for s in SCENARIOS]).astype(np.int32)
        people = np.stack([self.tpeople @ x[s] for s in SCENARIOS])
        if m.missed.n.sum() == 0:  # no 一般农户 visited: the 漏评 rate is unknown
            missed = np.full((2, self.t, runs), np.nan)
            missed[:, self.cs.weight == 0] = 0.0  # a township without 一般农户 misses none
            return vi, va, people, missed
        pi_v = m.draw_missed(runs, rng)
        missed = measured_missed_rate(self.cs, pi_v, self.factor, m.missed_sensitivity,
                                      m.missed_false_alarm, rng)  # fmt: skip
        return vi, va, people, np.stack(missed)


def census(dataset, findings=None, sample_results=None, runs=None, seed=None, *,
           settings=None, pace=None, progress: bool = False) -> SimulationResult:  # fmt: skip
    """Simulate the census over the Dataset: failing households, 三率 and the risk of failing.

    Parameters
    ----------
    dataset : Dataset
        The audit's data; its ``truth`` is never read.
    findings : DataFrame, optional
        :func:`audit.rules.run` output (computed when None).
    sample_results : DataFrame, optional
        The run's sample with ``fails_census`` per sampled household (the
        runner's ``Artifacts.sample``); when given, the 漏评 rates come from its
        visited 一般农户 only.
    runs : int, optional
        Monte Carlo runs (default ``simulation.runs``).
    seed : int, optional
        The run's seed (default: the Dataset's generator seed, else 20240325).
    settings : Settings, optional
        Default: the settings recorded with the Dataset.
    pace : DataFrame, optional
        Forecasts of the rectification ledger (:func:`audit.tracking.burndowns`)
        for the ``on_pace`` scenario.
    progress : bool
        Show a progress bar.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from audit import synth, simulate
    >>> result = simulate.census(synth.generate(scale=0.05), runs=500, seed=1)  # doctest: +SKIP
    >>> result.summary.query("level == 'county'")  # doctest: +SKIP
    """
    from audit import rules

    if settings is None:
        from audit.report.context import _settings

        settings = _settings(dataset)
    runs = int(settings.simulation.runs if runs is None else runs)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if seed is None:
        seed = int((dataset.meta.get("generator") or {}).get("seed", 20240325))
    if findings is None:
        findings = rules.run(dataset, settings)
    towns, villages, vt, reg, nonreg, rate_visits = build_frames(
        dataset, findings, settings, sample_results)  # fmt: skip
    model = fit_model(towns, villages, reg, nonreg, rate_visits, settings)
    shares, pace_source = pace_shares(towns, settings, pace)
    top, ranking = top_villages(model, reg, nonreg, settings)
    cs = census_sample(dataset, nonreg, towns, villages, vt, settings, seed)
    engine = _Engine(model, reg, top, shares, cs, len(villages), len(towns))
    draws = _Draws(
        village_indicator=np.empty((K, len(villages), runs), dtype=np.int32),
        village_all=np.empty((len(SCENARIOS), len(villages), runs), dtype=np.int32),
        wrong_exit_people=np.empty((len(SCENARIOS), len(towns), runs)),
        missed_rate=np.empty((2, len(towns), runs)),
    )
    blocks = -(-runs // BLOCK)
    children = np.random.SeedSequence(int(seed)).spawn(blocks)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=runs, desc="模拟普查 / simulating", unit="次")
    for b, child in enumerate(children):
        lo, hi = b * BLOCK, min(runs, (b + 1) * BLOCK)
        vi, va, people, missed = engine.block(np.random.default_rng(child), hi - lo)
        draws.village_indicator[..., lo:hi] = vi
        draws.village_all[..., lo:hi] = va
        draws.wrong_exit_people[..., lo:hi] = people
        draws.missed_rate[..., lo:hi] = missed
        if bar is not None:
            bar.update(hi - lo)
    if bar is not None:
        bar.close()
    return summarise(dataset, settings, model, reg, nonreg, towns, villages, vt, draws,
                     top=top, ranking=ranking, pace_source=pace_source, seed=int(seed),
                     census_design=cs)  # fmt: skip
