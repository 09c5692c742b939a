"""The discrepancy model: how far the record is from what the census will find.

From the visited registered households it estimates, per census indicator
and township, the probability that a household **recorded as passing fails**
in truth (a hidden problem) and that one **recorded as failing fails still**
(one minus the chance it was fixed since); from the visited non-registered
households, the **漏评 rate of each village**.

Assumption (stated in every report): the visited households are a random
sample of their township's registered households (of their village's 一般农户
for 漏评), so that, within a township and recorded state, visited and
unvisited households are alike (missing at random given township and record).
The synthetic county's visits are a simple random sample of registered
households; the 漏评 rates use the run's probability sample of 一般农户 when it
is given.

Estimation. For each indicator and recorded state the visits give ``x_t``
households observed failing of ``n_t`` visited in township ``t``. The
observed rate is shrunk toward the county as in
:func:`audit.stats.shrink_rates` (beta-binomial, prior weight ``M`` fitted by
marginal likelihood), and in each Monte Carlo run the rates are *drawn from
their posterior* rather than fixed at a point (Gelman et al., *Bayesian Data
Analysis*, 3rd ed., §5.3), level by level so that no level's uncertainty is
lost:

1. the hidden-failure rates of the eleven indicators are small and alike a
   priori, so their county rates ``μ_k`` share a beta prior around a common
   rate ``ν``: ``ν`` from its pooled Jeffreys posterior ``Beta(X + ½, N − X + ½)``
   over all indicators, then ``μ_k ~ Beta(M'ν + X_k, M'(1 − ν) + N_k − X_k)``
   with ``M'`` fitted across indicators (an indicator seen failing once or
   never borrows from the others instead of from a pseudo-count of its own:
   half a failure per indicator, i.e. about ``N / 2n`` households each, which
   over eleven indicators biased the county total up by 20 households in the
   calibration worlds of ``tests/test_simulate_calibration.py``);
   the other groups (recorded failing, unknown, 漏评) take the Jeffreys
   posterior ``Beta(Σx + ½, Σn − Σx + ½)``;
2. each township's rate ``θ_t ~ Beta(Mμ + x_t, M(1 − μ) + n_t − x_t)``.

Each draw of an observed rate ``θ`` is then corrected for the visit's
errors, ``π = (θ − α) / (σ − α)`` clipped to [0, 1], with sensitivity ``σ`` and
false-alarm rate ``α`` of :func:`audit.simulate.detection.visit_errors`
(Rogan & Gladen 1978; per draw as in Joseph, Gyorkos & Coupal 1995). A
household whose record is *unknown* on an indicator takes the township's rate
over all its visited households (missing values are taken to be missing at
random). The same construction over villages gives the
漏评 rates, with the visit's household-level sensitivity and false-alarm rate
over the 漏评 indicators.

A visited household is not re-drawn blindly: its chance of failing is the
posterior given what the cadre saw (Bayes' rule with ``π``, ``σ`` and ``α``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audit.rules.census import CENSUS_INDICATORS
from audit.rules.identification import MISSED_POOR_INDICATORS
from audit.simulate.detection import correct as _correct
from audit.simulate.detection import posterior_given_visit, visit_errors
from audit.simulate.frames import STATES, VISIT_STATES
from audit.stats import fit_beta_prior, shrink_rates

__all__ = ["DiscrepancyModel", "discrepancy_model", "fit_model"]

#: Estimated groups per indicator: recorded pass, recorded fail, and all visited (for unknown).
GROUPS = ("pass", "fail", "all")


@dataclass
class _Counts:
    """Observed failures ``x`` of ``n`` visited, per group (rows) and area (columns).

    Each group's rates are shrunk once with :func:`audit.stats.shrink_rates`;
    its fitted prior weight ``M`` is kept for the posterior draws.
    """

    x: np.ndarray
    n: np.ndarray
    family: np.ndarray = None  # groups whose county rates share a fitted prior
    family_m: float = 0.0  # that prior's weight (0: no family)
    shrunk: list = field(init=False)
    m: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if self.family is None:
            self.family = np.zeros(len(self.x), dtype=bool)
        self.shrunk = [shrink_rates(x, n) if n.sum() > 0 else None
                       for x, n in zip(self.x, self.n, strict=True)]  # fmt: skip
        self.m = np.array([1.0 if s is None else s.attrs["prior"]["m"] for s in self.shrunk])

    def prior(self, nu: float | np.ndarray | None = None) -> tuple:
        """Beta prior ``(a, b)`` of each group's county rate, broadcast against ``nu``.

        Family groups: ``(Mν, M(1 − ν))`` around the family's rate ``ν`` (its
        posterior mean when ``nu`` is None); others: Jeffreys ``(½, ½)``.
        """
        if nu is None:
            fx, fn = self.x[self.family].sum(), self.n[self.family].sum()
            nu = (fx + 0.5) / (fn + 1.0)
        fam = self.family.reshape((-1,) + (1,) * np.ndim(nu))
        a = np.where(fam, self.family_m * nu, 0.5)
        b = np.where(fam, self.family_m * (1.0 - nu), 0.5)
        return a, b


def _hierarchical(c: _Counts, runs: int, rng, rows=None) -> np.ndarray:
    """Draw observed rates ``[groups × areas × runs]`` from the beta-binomial posterior.

    Only the groups ``rows`` (all when None) are drawn; the others are left at 0.
    """
    rows = np.arange(len(c.x)) if rows is None else np.asarray(rows)
    x, n, m = c.x[rows], c.n[rows], c.m[rows][:, None, None]
    fx, fn = c.x[c.family].sum(), c.n[c.family].sum()
    nu = rng.beta(fx + 0.5, fn - fx + 0.5, size=runs)  # the family's rate, shared by its groups
    a0, b0 = c.prior(nu)
    a0, b0 = a0[rows][:, None, :], b0[rows][:, None, :]
    sx = x.sum(axis=1)[:, None, None]
    sn = n.sum(axis=1)[:, None, None]
    mu = np.clip(rng.beta(a0 + sx, b0 + sn - sx), 1e-12, 1.0 - 1e-12)
    theta = rng.beta(m * mu + x[..., None], m * (1.0 - mu) + (n - x)[..., None])
    out = np.zeros((*c.x.shape, runs))
    out[rows] = np.where(sn > 0, theta, mu)
    return out


@dataclass
class DiscrepancyModel:
    """The fitted model: counts from visits, visit errors, and how to draw rates.

    Attributes
    ----------
    townships, villages : Index
        Area codes (positions index the arrays).
    registered : _Counts
        Groups ``K × 3`` (indicator × :data:`GROUPS`, row ``3k + g``) by township.
    missed : _Counts
        One group by village: 漏评 found among visited 一般农户.
    sensitivity, false_alarm : ndarray
        The visit's errors per indicator.
    missed_sensitivity, missed_false_alarm : float
        The visit's errors for 漏评 as a whole.
    """

    townships: pd.Index
    villages: pd.Index
    registered: _Counts
    missed: _Counts
    sensitivity: np.ndarray
    false_alarm: np.ndarray
    missed_sensitivity: float
    missed_false_alarm: float
    needed: np.ndarray = None  # groups some household's record refers to (rows of registered)

    def draw_registered(self, runs: int, rng) -> np.ndarray:
        """Draw true-failure chances ``[K × 4 × T × runs]`` indexed by recorded state code.

        State 0 (ineligible) is 0; 1 (pass) the hidden-failure rate; 2 (fail)
        the chance a recorded failure is still there; 3 (unknown) the rate over
        all visited households.
        """
        k, t = len(CENSUS_INDICATORS), len(self.townships)
        theta = _hierarchical(self.registered, runs, rng, self.needed).reshape(k, 3, t, runs)
        pi = _correct(theta, self.sensitivity[:, None, None, None],
                      self.false_alarm[:, None, None, None])  # fmt: skip
        out = np.zeros((k, 4, t, runs))
        out[:, 1:] = pi
        return out

    def draw_missed(self, runs: int, rng) -> np.ndarray:
        """Draw the true 漏评 rate of every village, ``[V × runs]``."""
        theta = _hierarchical(self.missed, runs, rng)[0]
        return _correct(theta, self.missed_sensitivity, self.missed_false_alarm)

    def point_rates(self) -> np.ndarray:
        """Posterior-mean true rates ``[K × 4 × T]`` (plug-in, for ranking and grouping)."""
        c = self.registered
        sx, sn = c.x.sum(axis=1, keepdims=True), c.n.sum(axis=1, keepdims=True)
        a0, b0 = c.prior()
        mu = (a0[:, None] + sx) / (a0[:, None] + b0[:, None] + sn)
        theta = (c.m[:, None] * mu + c.x) / (c.m[:, None] + c.n)
        k = len(CENSUS_INDICATORS)
        out = np.zeros((k, 4, len(self.townships)))
        out[:, 1:] = _correct(theta.reshape(k, 3, -1), self.sensitivity[:, None, None],
                              self.false_alarm[:, None, None])  # fmt: skip
        return out

    def point_chances(self, h) -> np.ndarray:
        """Plug-in chance that each registered household fails each indicator, ``[n × K]``."""
        rates = self.point_rates()
        out = np.empty(h.state.shape)
        for k in range(len(CENSUS_INDICATORS)):  # eleven indicators
            pi = rates[k, h.state[:, k], h.township]
            out[:, k] = posterior_given_visit(pi, h.visit[:, k], self.sensitivity[k],
                                              self.false_alarm[k])  # fmt: skip
        return out

    def point_missed(self) -> np.ndarray:
        """Plug-in true 漏评 rate per village."""
        c = self.missed
        mu = (0.5 + c.x.sum()) / (1.0 + c.n.sum())
        theta = (c.m[0] * mu + c.x[0]) / (c.m[0] + c.n[0])
        return _correct(theta, self.missed_sensitivity, self.missed_false_alarm)

    def rates(self) -> pd.DataFrame:
        """The estimated rates per indicator, group and township (shrunk; for reports).

        Returns
        -------
        DataFrame
            ``indicator, group, township_code, x, n, raw_rate, rate, ci_low,
            ci_high`` (observed-failure rates, shrunk) and ``true_rate`` (corrected
            for the visit's errors); ``group`` is 隐藏问题 (recorded pass), 记录问题仍在
            (recorded fail) or 全部.
        """
        labels = {"pass": "记录达标但实际不达标", "fail": "记录不达标且仍未解决",
                  "all": "全部入户户"}  # fmt: skip
        frames = []
        for i, rule_id in enumerate(CENSUS_INDICATORS):
            for g, group in enumerate(GROUPS):
                row = 3 * i + g
                shrunk = self.registered.shrunk[row]
                if shrunk is None:
                    continue
                r = shrunk.set_axis(self.townships).reset_index(names="township_code")
                r["true_rate"] = _correct(r["rate"].to_numpy(), self.sensitivity[i],
                                          self.false_alarm[i])  # fmt: skip
                frames.append(r.assign(indicator=rule_id, group=labels[group]))
        cols = ["indicator", "group", "township_code", "x", "n", "raw_rate", "rate", "ci_low",
                "ci_high", "true_rate"]  # fmt: skip
        if not frames:  # nobody visited
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True)[cols]

    def county_rates(self, confidence: float = 0.95) -> pd.DataFrame:
        """Pooled county rates per indicator and group, corrected, with an equal-tailed interval.

        Returns
        -------
        DataFrame
            ``indicator, group, x, n, observed`` (x / n), ``true_rate`` (posterior
            mean of the Jeffreys posterior, corrected for the visit's errors),
            ``ci_low``, ``ci_high``; plus one row ``漏评`` for the 一般农户.
        """
        from scipy import stats

        labels = ("记录达标但实际不达标", "记录不达标且仍未解决", "全部入户户")
        alpha = 1.0 - confidence
        rows = []
        c = self.registered
        a0, b0 = c.prior()
        for i, rule_id in enumerate(CENSUS_INDICATORS):
            for g in range(2):
                row = 3 * i + g
                x, n = c.x[row].sum(), c.n[row].sum()
                if n > 0:
                    rows.append((rule_id, labels[g], x, n, a0[row], b0[row], self.sensitivity[i],
                                 self.false_alarm[i]))  # fmt: skip
        x, n = self.missed.x.sum(), self.missed.n.sum()
        if n > 0:
            rows.append(("漏评", "一般农户", x, n, 0.5, 0.5, self.missed_sensitivity,
                         self.missed_false_alarm))  # fmt: skip
        out = pd.DataFrame(rows, columns=["indicator", "group", "x", "n", "a0", "b0", "sens", "fa"])
        a, b = out["a0"] + out["x"], out["b0"] + out["n"] - out["x"]
        out["observed"] = out["x"] / out["n"]
        for col, value in (("true_rate", a / (a + b)), ("ci_low", stats.beta.ppf(alpha / 2, a, b)),
                           ("ci_high", stats.beta.ppf(1 - alpha / 2, a, b))):  # fmt: skip
            out[col] = _correct(np.asarray(value, dtype=float), out["sens"].to_numpy(),
                                out["fa"].to_numpy())  # fmt: skip
        out[["x", "n"]] = out[["x", "n"]].astype(np.int64)
        return out.drop(columns=["a0", "b0", "sens", "fa"])

    def missed_rates(self) -> pd.DataFrame:
        """Shrunk 漏评 rates per village (observed and corrected), for reports."""
        shrunk = self.missed.shrunk[0]
        if shrunk is None:
            shrunk = shrink_rates(self.missed.x[0], self.missed.n[0])
        r = shrunk.set_axis(self.villages).reset_index(names="village_code")
        r["true_rate"] = _correct(r["rate"].to_numpy(), self.missed_sensitivity,
                                  self.missed_false_alarm)  # fmt: skip
        return r


def _group_counts(key: np.ndarray, fails: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    return (np.bincount(key, weights=fails, minlength=size),
            np.bincount(key, minlength=size).astype(float))  # fmt: skip


def fit_model(townships, villages, registered, nonreg, rate_visits, settings) -> DiscrepancyModel:
    """Fit the discrepancy model from the visits (never from the true layer).

    Parameters
    ----------
    townships, villages : Index
    registered : Households
    nonreg : NonRegistered
    rate_visits : ndarray of bool
        Non-registered households whose visit informs the 漏评 rates.
    settings : Settings

    Returns
    -------
    DiscrepancyModel
    """
    sens, fa = visit_errors(settings)
    t = len(townships)
    k = len(CENSUS_INDICATORS)
    x = np.zeros((3 * k, t))
    n = np.zeros((3 * k, t))
    needed = []
    for i in range(k):  # eleven indicators
        state, visit = registered.state[:, i], registered.visit[:, i]
        judged = np.isin(visit, (VISIT_STATES["pass"], VISIT_STATES["fail"]))
        fails = (visit == VISIT_STATES["fail"]).astype(float)
        eligible = state != STATES["ineligible"]
        unknown = (state == STATES["unknown"]).any()
        groups = (state == STATES["pass"], state == STATES["fail"], eligible & unknown)
        needed += [3 * i + g for g, mask in enumerate(groups) if mask.any()]
        for g, mask in enumerate(groups):
            sel = judged & mask
            x[3 * i + g], n[3 * i + g] = _group_counts(registered.township[sel], fails[sel], t)
    family = np.zeros(3 * k, dtype=bool)
    family_m = 0.0
    hidden = np.arange(k) * 3  # the "recorded pass" groups: hidden-failure rates
    live = hidden[n[hidden].sum(axis=1) > 0]
    if len(live) >= 2:
        family[live] = True
        family_m = fit_beta_prior(x[live].sum(axis=1), n[live].sum(axis=1))["m"]
    sel = rate_visits
    mx, mn = _group_counts(nonreg.village[sel], (nonreg.visit[sel] == 2).astype(float),
                           len(villages))  # fmt: skip
    miss_idx = [CENSUS_INDICATORS.index(r) for r in MISSED_POOR_INDICATORS]
    missed_fa = 1.0 - float(np.prod(1.0 - fa[miss_idx]))
    return DiscrepancyModel(
        townships=townships,
        villages=villages,
        registered=_Counts(x, n, family, family_m),
        missed=_Counts(mx[None], mn[None]),
        sensitivity=sens,
        false_alarm=fa,
        missed_sensitivity=1.0 - settings.simulation.visit_miss_rate,
        missed_false_alarm=missed_fa,
        needed=np.array(needed, dtype=np.int64),
    )


def discrepancy_model(dataset, findings=None, settings=None, sample_results=None):
    """Fit the discrepancy model of a Dataset (for analysts; :func:`census` fits its own).

    Parameters
    ----------
    dataset : Dataset
    findings : DataFrame, optional
        :func:`audit.rules.run` output (computed when None).
    settings : Settings, optional
    sample_results : DataFrame, optional
        As in :func:`audit.simulate.census`.

    Returns
    -------
    DiscrepancyModel
    """
    from audit import rules
    from audit.simulate.frames import build_frames

    if settings is None:
        from audit.report.context import _settings

        settings = _settings(dataset)
    if findings is None:
        findings = rules.run(dataset, settings)
    towns, villages, _, reg, nonreg, rate_visits = build_frames(dataset, findings, settings,
                                                                sample_results)  # fmt: skip
    return fit_model(towns, villages, reg, nonreg, rate_visits, settings)
