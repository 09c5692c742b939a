"""The census's own sample of non-registered households and the 漏评率 it would measure.

The census visits a random sample of 一般农户 (``census.nonregistered_sample``,
at least 2,024) drawn with the design of the settings (``census.sample_design``);
its allocation to townships (and, two-stage, the number of villages and
households per village) is that of :func:`audit.sampling.draw` on the
non-registered frame. Each simulated run draws *which* households the census
samples and whether each is 漏评:

``stratified``
    In township ``h`` the census takes an SRS of ``n_h`` of the ``N_h``
    households. The households fall in three groups (not visited by the county,
    visited and seen 漏评, visited and seen not 漏评) with different chances of
    being 漏评; the numbers sampled from each group are drawn as sequential
    hypergeometric counts (the exact multivariate hypergeometric law of an SRS),
    then the 漏评 among them as binomials with the group's mean chance.
``two-stage``
    Villages are drawn with probability proportional to size by sequential
    Poisson sampling (Ohlsson 1998) and ``m`` households in each; the 漏评 among
    a village's ``m`` are binomial with the village's mean chance.

The census's estimate is the weighted share of people in 漏评 households: within
a township the households are given the township's mean size (so the person rate
equals the household rate), and townships are weighted by their people
(Cochran 1977, §5.2 for the stratified estimator; the self-weighting two-stage
estimator within a stratum, §11.8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from audit.simulate.detection import posterior_given_visit
from audit.simulate.frames import NonRegistered

__all__ = ["CensusSample", "census_sample", "measured_missed_rate"]


@dataclass
class CensusSample:
    """The census's design over the non-registered frame, and the frame's groups."""

    design: str
    n: np.ndarray  # stratified: households per township; two-stage: villages per township
    per_village: int  # two-stage: households per village
    counts: np.ndarray  # [V × 3] households per village: not visited, seen 漏评, seen not 漏评
    village_township: np.ndarray
    weight: np.ndarray  # people of 一般农户 per township


def census_sample(dataset, nonreg: NonRegistered, townships, villages, village_township,
                  settings, seed: int) -> CensusSample:  # fmt: skip
    """The census design's allocation (that of :func:`audit.sampling.draw`) and frame groups."""
    from audit.sampling import allocate, draw, nonregistered_frame

    design = settings.census.sample_design
    t = len(townships)
    n = np.zeros(t, dtype=np.int64)
    per_village = 10
    frame_size = len(nonreg.household_id)
    if frame_size:
        size = min(settings.census.nonregistered_sample, frame_size)
        if design == "two-stage":
            s = draw(nonregistered_frame(dataset), size, seed, design=design)
            per_village = int(s.groupby("village_code").size().max())
            vil = s.drop_duplicates("village_code")
            n = np.bincount(townships.get_indexer(vil["township_code"].astype(str)), minlength=t)
        else:  # the allocation draw() makes, without drawing
            pop = pd.Series(np.bincount(nonreg.township, minlength=t), index=townships)
            n_h = allocate(pop[pop > 0], size, "proportional", minimum=2)
            n = n_h.reindex(townships, fill_value=0).to_numpy(dtype=np.int64)
    v = len(villages)
    group = np.select([nonreg.visit == 2, nonreg.visit == 1], [1, 2], 0)
    counts = np.zeros((v, 3))
    np.add.at(counts, (nonreg.village, group), 1.0)
    weight = np.bincount(nonreg.township, weights=nonreg.people, minlength=t)
    return CensusSample(design, n, per_village, counts, village_township, weight)


def _group_chances(pi: np.ndarray, sens: float, fa: float) -> np.ndarray:
    """Chance of 漏评 per village, group and run, ``[V × 3 × R]``."""
    return np.stack([pi, posterior_given_visit(pi, 2, sens, fa),
                     posterior_given_visit(pi, 1, sens, fa)], axis=1)  # fmt: skip


def _sum_by(towns: np.ndarray, weight: np.ndarray, values: np.ndarray, t: int) -> np.ndarray:
    """``Σ_v weight_v · values_v`` per township, ``[T × R]`` (villages with weight only).

    A sparse product summed village by village in a fixed order (SciPy's own
    loop, not BLAS), so the sums are the same on every machine.
    """
    keep = np.flatnonzero(weight)
    m = sparse.csr_matrix((weight[keep], (towns[keep], keep)), shape=(t, len(towns)))
    return m @ values


def measured_missed_rate(cs: CensusSample, pi: np.ndarray, factor: np.ndarray, sens: float,
                         fa: float, rng) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Draw the 漏评率 the census would measure, by township, without and with a scenario.

    Parameters
    ----------
    cs : CensusSample
    pi : ndarray
        True 漏评 rate of each village, ``[V × R]``.
    factor : ndarray
        Share of 漏评 left in each village under the scenario (1 = unchanged), ``[V]``.
    sens, fa : float
        The visit's errors for 漏评 (for the visited households' chances).
    rng : numpy.random.Generator

    Returns
    -------
    base, scenario : ndarray
        The measured rate per township, ``[T × R]`` (NaN where the census samples none).
    """
    t = len(cs.n)
    if cs.design == "two-stage":
        chance = _group_chances(pi, sens, fa)  # [V × 3 × R]
        return _two_stage(cs, chance, chance * factor[:, None, None], rng)
    towns = cs.village_township
    size = _sum_by(towns, np.ones(len(towns)), cs.counts, t)  # [T × 3]
    chance = [pi, posterior_given_visit(pi, 2, sens, fa), posterior_given_visit(pi, 1, sens, fa)]
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.stack([_sum_by(towns, cs.counts[:, g], c, t) for g, c in enumerate(chance)], 1)
        cut = np.stack([_sum_by(towns, cs.counts[:, g] * (1 - factor), c, t)
                        for g, c in enumerate(chance)], 1)  # fmt: skip
        mean = np.nan_to_num(total / size[..., None])  # [T × 3 × R]
        mean_after = np.nan_to_num((total - cut) / size[..., None])
    runs = pi.shape[1]
    total = size.sum(axis=1).astype(np.int64)
    n = np.minimum(cs.n, total).astype(np.int64)[:, None]
    g1 = size[:, 1].astype(np.int64)[:, None]
    g2 = size[:, 2].astype(np.int64)[:, None]
    rest = total[:, None]
    n1 = rng.hypergeometric(g1, rest - g1, n, size=(t, runs))
    n2 = rng.hypergeometric(g2, np.maximum(rest - g1 - g2, 0), n - n1)
    drawn = np.stack([n - n1 - n2, n1, n2], axis=1)  # [T × 3 × R]
    x = rng.binomial(drawn, np.clip(mean, 0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = np.clip(np.where(mean > 0, mean_after / mean, 0.0), 0, 1)
    x_after = rng.binomial(x, keep)
    denom = np.where(n > 0, n, np.nan)
    none = (total == 0)[:, None]  # a township without 一般农户 misses none
    return (np.where(none, 0.0, x.sum(axis=1) / denom),
            np.where(none, 0.0, x_after.sum(axis=1) / denom))  # fmt: skip


def _two_stage(cs: CensusSample, chance, after, rng):
    v, _, runs = chance.shape
    t, towns, ones = len(cs.n), cs.village_township, np.ones(len(cs.village_township))
    size = cs.counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nan_to_num((chance * cs.counts[..., None]).sum(1) / size[:, None])
        mean_after = np.nan_to_num((after * cs.counts[..., None]).sum(1) / size[:, None])
    key = rng.random((v, runs)) / np.where(size > 0, size, np.nan)[:, None]
    key = np.where(np.isnan(key), np.inf, key)
    chosen = np.zeros((v, runs), dtype=bool)
    for h in range(len(cs.n)):  # townships (a handful)
        rows = np.flatnonzero(cs.village_township == h)
        k = int(min(cs.n[h], (size[rows] > 0).sum()))
        if k == 0:
            continue
        part = np.argpartition(key[rows], k - 1, axis=0)[:k]  # [k × R]
        chosen[rows[part.ravel()], np.tile(np.arange(runs), k)] = True
    m = np.minimum(cs.per_village, size).astype(np.int64)[:, None]
    x = rng.binomial(np.where(chosen, m, 0), np.clip(mean, 0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = np.clip(np.where(mean > 0, mean_after / mean, 0.0), 0, 1)
    x_after = rng.binomial(x, keep)
    share = np.where(m > 0, 1.0 / np.maximum(m, 1), 0.0)
    picked = _sum_by(towns, ones, chosen.astype(float), t)
    denom = np.where(picked > 0, picked, np.nan)
    none = (np.bincount(towns, weights=size, minlength=t) == 0)[:, None]  # no 一般农户: none missed
    return (np.where(none, 0.0, _sum_by(towns, ones, x * share, t) / denom),
            np.where(none, 0.0, _sum_by(towns, ones, x_after * share, t) / denom))  # fmt: skip
