"""Drawing the sample: stratified SRS or two-stage PPS, with permanent random numbers.

Designs (Cochran 1977, *Sampling Techniques*, ch. 5 and 9A–11; Lohr 2022,
*Sampling: Design and Analysis*, 3rd ed., ch. 3, 5–6):

``stratified``
    Simple random sampling without replacement within strata (townships by
    default). Sizes per stratum by :func:`~audit.sampling.allocation.allocate`
    (proportional, Neyman or equal, with a minimum). In each stratum the ``n_h``
    households with the smallest permanent random numbers are taken: an exact
    SRSWOR. Inclusion probability ``n_h / N_h``; ``fpc`` = ``N_h``; each household
    is its own cluster.

``two-stage``
    Villages with probability proportional to size (the number of frame
    households), then a fixed number ``m`` of households per village by SRSWOR.
    Villages are allocated to strata like households (Webster rounding, at least
    two per stratum) and selected by *sequential Poisson sampling* (Ohlsson 1998,
    *Journal of Official Statistics* 14:149–162): the ``n_h`` villages with the
    smallest ``u_i / λ_i``, ``λ_i = n_h x_i / X_h`` (villages with ``λ_i ≥ 1`` are
    taken with certainty, iteratively). Its inclusion probabilities are very
    close to ``λ_i``, which are used. The overall probability is
    ``λ_i × min(m, M_i) / M_i``, so the design is self-weighting within a
    stratum apart from take-all and small villages. ``fpc`` is left missing: the
    variance uses the with-replacement approximation at the first stage (R
    survey's convention for PPS without ``fpc``; slightly conservative).

Reproducibility: the sample depends only on the seed, the frame's content and the
design — the frame is sorted by ``household_id`` internally and the random
numbers are permanent (:mod:`audit.sampling.prn`), so neither the row order nor
the number of worker processes matters. **Extension**: a larger ``size`` with the
same seed keeps every household of the smaller sample (allocations are
house-monotone; within a stratum or village the smallest numbers are taken;
sequential Poisson ranks ``u_i / x_i`` independently of ``n``). In the two-stage
design the one exception is a size increase that turns a village into a take-all
village, which can displace a village of the smaller sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sampling.allocation import allocate
from audit.sampling.prn import permanent_random_numbers
from audit.stats._checks import ParameterError

__all__ = ["DESIGNS", "SAMPLE_COLUMNS", "design_summary", "draw"]

DESIGNS = ("stratified", "two-stage")

#: Columns every drawn sample carries (besides the frame's own).
SAMPLE_COLUMNS = ("stratum", "cluster", "prob", "weight", "fpc", "prn", "design")


def _check_frame(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        if c not in frame.columns:
            raise ParameterError(
                f"抽样框缺少列「{c}」", f"the sampling frame has no column {c!r}", column=c
            )
        if frame[c].isna().any():
            raise ParameterError(
                f"抽样框的列「{c}」有缺失值",
                f"column {c!r} of the frame holds missing values",
                column=c,
            )
    dup = frame["household_id"].duplicated()
    if dup.any():
        first = frame.loc[dup, "household_id"].iloc[0]
        raise ParameterError(
            f"抽样框中户编号重复：{first}",
            f"the frame holds household_id {first} more than once",
            column="household_id",
        )
    clash = [c for c in SAMPLE_COLUMNS if c in frame.columns]
    if clash:
        raise ParameterError(
            f"抽样框已有保留列「{clash[0]}」",
            f"the frame already has a reserved column {clash[0]!r}",
            column=clash[0],
        )
    return frame.sort_values("household_id", ignore_index=True, kind="stable")


def _strata(frame: pd.DataFrame, strata: str | None) -> pd.Series:
    if strata is None:
        return pd.Series("全部", index=frame.index, dtype="str")
    return frame[strata].astype("str")


def _stratum_sd(frame, stratum, neyman_sd):
    if neyman_sd is None:
        return None
    if isinstance(neyman_sd, str):
        if neyman_sd not in frame.columns:
            raise ParameterError(
                f"抽样框缺少列「{neyman_sd}」",
                f"the frame has no column {neyman_sd!r}",
                column=neyman_sd,
            )
        v = pd.to_numeric(frame[neyman_sd], errors="coerce").astype(float)
        return v.groupby(stratum.to_numpy()).std(ddof=1).fillna(0.0)
    return pd.Series(neyman_sd, dtype=float).rename(index=str)


def draw(
    frame: pd.DataFrame,
    size: int,
    seed: int,
    design: str = "stratified",
    strata: str | None = "township_code",
    *,
    allocation: str = "proportional",
    minimum: int = 2,
    neyman_sd=None,
    households_per_village: int = 10,
    village: str = "village_code",
) -> pd.DataFrame:
    """Draw a reproducible, extensible probability sample of households.

    Parameters
    ----------
    frame : DataFrame
        The sampling frame, one row per household; needs ``household_id`` (unique)
        and the ``strata`` column (and ``village`` for two-stage). See
        :func:`audit.sampling.frames.household_frame`.
    size : int
        Households to sample (stratified: exactly, capped at the frame size;
        two-stage: ``⌈size / m⌉`` villages of ``m`` households, fewer in small villages).
    seed : int
        The run's seed (non-negative integer).
    design : {"stratified", "two-stage"}
        The design (see the module notes).
    strata : str or None
        Stratification column (townships by default); None for no strata.
    allocation : {"proportional", "neyman", "equal"}
        Allocation of households (stratified) or villages (two-stage) to strata.
    minimum : int
        Minimum households (stratified) or villages (two-stage) per stratum.
    neyman_sd : str, Series or dict, optional
        For Neyman allocation: a frame column whose within-stratum standard
        deviation is ``S_h`` (e.g. an anticipated 0/1 risk flag), or ``S_h`` by stratum.
    households_per_village : int
        Households per sampled village (two-stage).
    village : str
        The village (cluster) column (two-stage).

    Returns
    -------
    DataFrame
        The sampled rows of the frame plus ``stratum``, ``cluster``, ``prob``
        (inclusion probability), ``weight`` (1 / prob), ``fpc`` (stratum
        population size, missing for two-stage), ``prn`` and ``design``, sorted by
        stratum, cluster and household. The design's parameters are in ``.attrs``.

    Examples
    --------
    >>> frame = pd.DataFrame({"household_id": [f"h{i:03d}" for i in range(100)],
    ...                       "township_code": ["t1"] * 60 + ["t2"] * 40})
    >>> s = draw(frame, 10, seed=1)
    >>> s.groupby("stratum").size().tolist()
    [6, 4]
    """
    if design not in DESIGNS:
        raise ParameterError(
            f"抽样设计必须是 {'、'.join(DESIGNS)} 之一",
            f"design must be one of {DESIGNS}, not {design!r}",
            parameter="design",
        )
    if int(size) < 1:
        raise ParameterError("样本量必须为正", "size must be positive", parameter="size")
    needed = ["household_id"] + ([strata] if strata else [])
    if design == "two-stage":
        needed.append(village)
    frame = _check_frame(frame, needed)
    if design == "stratified":
        sample = _stratified(frame, int(size), seed, strata, allocation, minimum, neyman_sd)
    else:
        if int(households_per_village) < 1:
            raise ParameterError(
                "每村抽取户数必须为正",
                "households_per_village must be positive",
                parameter="households_per_village",
            )
        sample = _two_stage(
            frame,
            int(size),
            seed,
            strata,
            allocation,
            minimum,
            neyman_sd,
            int(households_per_village),
            village,
        )
    sample["design"] = design
    sample = sample.sort_values(["stratum", "cluster", "household_id"], ignore_index=True)
    sample.attrs = {
        "design": design,
        "seed": int(seed),
        "size": int(size),
        "strata": strata,
        "allocation": allocation,
        "minimum": int(minimum),
        "households_per_village": int(households_per_village) if design == "two-stage" else None,
        "frame_households": len(frame),
    }
    return sample


def _rank_within(groups: np.ndarray, u: np.ndarray) -> np.ndarray:
    """0-based rank of ``u`` within each group (integer codes), ties by position."""
    order = np.lexsort((np.arange(len(u)), u, groups))
    sorted_groups = groups[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    starts = np.repeat(first, np.diff(np.r_[first, len(order)]))
    rank = np.empty(len(u), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts
    return rank


def _stratified(frame, size, seed, strata, allocation, minimum, neyman_sd) -> pd.DataFrame:
    stratum = _strata(frame, strata)
    codes, levels = pd.factorize(stratum, sort=True)
    pop = pd.Series(np.bincount(codes, minlength=len(levels)), index=levels)
    sd = _stratum_sd(frame, stratum, neyman_sd)
    n_h = allocate(pop, size, allocation, sd=sd, minimum=minimum).to_numpy()
    u = permanent_random_numbers(frame["household_id"], seed, "households")
    take = _rank_within(codes, u) < n_h[codes]
    out = frame[take].copy()
    c = codes[take]
    N, n = pop.to_numpy()[c], n_h[c]
    out["stratum"] = np.asarray(levels)[c]
    out["cluster"] = out["household_id"].astype("str")
    out["prob"] = n / N
    out["weight"] = N / n
    out["fpc"] = N.astype(float)
    out["prn"] = u[take]
    return out


def _sequential_poisson(u, x, n) -> tuple[np.ndarray, np.ndarray]:
    """Select ``n`` of the units with sizes ``x`` (one stratum); return mask and λ."""
    lam = np.zeros(len(x))
    certain = np.zeros(len(x), dtype=bool)
    n = min(n, len(x))
    while True:  # take-all units, iteratively (a few rounds at most)
        rest = ~certain
        k = n - certain.sum()
        lam[rest] = k * x[rest] / x[rest].sum() if k > 0 else 0.0
        new = rest & (lam >= 1.0)
        if not new.any():
            break
        certain |= new
    lam[certain] = 1.0
    xi = np.where(certain, -1.0, u / np.maximum(lam, 1e-300))
    chosen = np.zeros(len(x), dtype=bool)
    chosen[np.argsort(xi, kind="stable")[:n]] = True
    return chosen, lam


def _two_stage(
    frame, size, seed, strata, allocation, minimum, neyman_sd, m, village
) -> pd.DataFrame:
    stratum = _strata(frame, strata)
    s_codes, s_levels = pd.factorize(stratum, sort=True)
    v_codes, v_levels = pd.factorize(frame[village].astype("str"), sort=True)
    # PSUs are (stratum, village) pairs, sorted by stratum then village
    pairs, inverse, M = np.unique(
        s_codes.astype(np.int64) * len(v_levels) + v_codes, return_inverse=True, return_counts=True
    )
    psu_stratum = pairs // len(v_levels)
    psu_village = np.asarray(v_levels)[pairs % len(v_levels)]
    count = np.bincount(psu_stratum, minlength=len(s_levels))
    pop = pd.Series(np.bincount(psu_stratum, weights=M, minlength=len(s_levels)), index=s_levels)
    sd = _stratum_sd(frame, stratum, neyman_sd)
    # households are allocated, then turned into villages: keeps Neyman/proportional meaning
    n_hh = allocate(pop, -(-size // m) * m, allocation, sd=sd, minimum=minimum * m).to_numpy()
    n_v = np.minimum(-(-n_hh // m), count)
    u_v = permanent_random_numbers(pd.Series(psu_village), seed, "villages")
    pi1 = np.zeros(len(pairs))
    chosen = np.zeros(len(pairs), dtype=bool)
    ends = np.cumsum(count)
    for h, (lo, hi) in enumerate(zip(ends - count, ends, strict=True)):  # over strata (a handful)
        chosen[lo:hi], pi1[lo:hi] = _sequential_poisson(u_v[lo:hi], M[lo:hi].astype(float), n_v[h])
    u = permanent_random_numbers(frame["household_id"], seed, "households")
    take = chosen[inverse] & (_rank_within(inverse, u) < m)
    out = frame[take].copy()
    psu = inverse[take]
    pi2 = np.minimum(m, M[psu]) / M[psu]
    out["stratum"] = np.asarray(s_levels)[psu_stratum[psu]]
    out["cluster"] = psu_village[psu]
    out["prob_village"] = pi1[psu]
    out["prob_household"] = pi2
    out["prob"] = pi1[psu] * pi2
    out["weight"] = 1.0 / (pi1[psu] * pi2)
    out["fpc"] = np.nan
    out["prn"] = u[take]
    return out


def design_summary(sample: pd.DataFrame, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-stratum summary of a drawn sample: frame and sample sizes, fraction, weights.

    Parameters
    ----------
    sample : DataFrame
        The output of :func:`draw`.
    frame : DataFrame, optional
        The frame it was drawn from (adds the frame's households per stratum when
        the sample has no ``fpc``, as in the two-stage design).

    Returns
    -------
    DataFrame
        One row per stratum: ``frame_households``, ``sampled_households``,
        ``clusters`` (PSUs), ``fraction``, ``weight_min``, ``weight_max``,
        ``weighted_total`` (Σ weights, an estimate of the frame size).
    """
    g = sample.groupby("stratum", sort=True)
    out = pd.DataFrame(
        {
            "sampled_households": g.size(),
            "clusters": g["cluster"].nunique(),
            "weight_min": g["weight"].min(),
            "weight_max": g["weight"].max(),
            "weighted_total": g["weight"].sum(),
        }
    )
    frame_n = g["fpc"].first()
    if frame is not None and sample.attrs.get("strata") in (
        frame.columns if frame is not None else ()
    ):
        frame_n = frame[sample.attrs["strata"]].astype("str").value_counts()
    elif frame is not None and sample.attrs.get("strata") is None:
        frame_n = pd.Series({"全部": len(frame)})
    out.insert(0, "frame_households", frame_n.reindex(out.index).astype(float))
    out.insert(3, "fraction", out["sampled_households"] / out["frame_households"])
    return out
