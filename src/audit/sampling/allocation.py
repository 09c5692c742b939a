"""Allocation of a sample size to strata: proportional, Neyman and equal.

Allocations (Cochran 1977, *Sampling Techniques*, §5.5–5.9; Lohr 2022, §3.4):

- proportional: ``n_h ∝ N_h``;
- Neyman (optimum for equal costs): ``n_h ∝ N_h S_h``;
- equal: the same ``n_h`` in every stratum;

each with a minimum per stratum (at least 2 keeps every stratum's variance
estimable) and never more than ``N_h``.

Rounding uses Webster's divisor method (Sainte-Laguë; Balinski & Young 2001,
*Fair Representation*): the seats of all strata are ranked once by the priority
``a_h / (k − ½)`` of a stratum's ``k``-th unit, minimum seats first, and a sample
of size ``n`` takes the first ``n`` seats. Divisor methods are *house-monotone*:
a larger ``n`` never takes a unit away from a stratum, which the extension of a
sample needs (largest-remainder rounding can, the "Alabama paradox").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.stats._checks import ParameterError

__all__ = ["ALLOCATIONS", "allocate"]

ALLOCATIONS = ("proportional", "neyman", "equal")


def allocate(
    population,
    size: int,
    method: str = "proportional",
    *,
    sd=None,
    minimum: int = 2,
) -> pd.Series:
    """Allocate ``size`` units to strata.

    Parameters
    ----------
    population : Series
        Stratum population sizes ``N_h``, indexed by stratum (the order of the
        index breaks exact ties).
    size : int
        Total sample size (capped at ``Σ N_h``).
    method : {"proportional", "neyman", "equal"}
        Allocation rule.
    sd : Series, optional
        Stratum standard deviations ``S_h`` (Neyman only), same index.
    minimum : int
        Units per stratum before the rule applies (capped at ``N_h``). When
        ``size`` is below the sum of minimums, the minimum seats go round-robin
        over the strata.

    Returns
    -------
    Series of int
        ``n_h``, same index as ``population``; it sums to ``min(size, Σ N_h)``.

    Examples
    --------
    >>> allocate(pd.Series({"a": 600, "b": 300, "c": 100}), 10, minimum=0).tolist()
    [6, 3, 1]
    >>> allocate(pd.Series({"a": 600, "b": 300, "c": 100}), 10).tolist()
    [5, 3, 2]
    """
    if method not in ALLOCATIONS:
        raise ParameterError(
            f"分配方法必须是 {'、'.join(ALLOCATIONS)} 之一",
            f"allocation must be one of {ALLOCATIONS}, not {method!r}",
            parameter="allocation",
        )
    if int(size) < 0 or int(minimum) < 0:
        raise ParameterError("样本量不能为负", "size and minimum must be >= 0", parameter="size")
    pop = pd.Series(population).astype("int64")
    if method == "proportional":
        a = pop.to_numpy(dtype=float)
    elif method == "equal":
        a = np.ones(len(pop))
    else:
        if sd is None:
            raise ParameterError(
                "Neyman 分配需要各层标准差 sd",
                "Neyman allocation needs the stratum standard deviations (sd)",
                parameter="sd",
            )
        s = pd.Series(sd).reindex(pop.index)
        if s.isna().any() or (s < 0).any():
            raise ParameterError(
                "各层标准差缺失或为负",
                "stratum standard deviations missing or negative",
                parameter="sd",
            )
        a = pop.to_numpy(dtype=float) * s.to_numpy(dtype=float)
    size = int(min(int(size), int(pop.sum())))
    caps = np.minimum(pop.to_numpy(), size)
    h = np.repeat(np.arange(len(pop)), caps)
    starts = np.repeat(np.cumsum(caps) - caps, caps)
    k = np.arange(len(h)) - starts + 1  # seat number within its stratum, 1-based
    tier = (k > minimum).astype(np.int64)  # minimum seats first
    # minimum seats go round-robin over strata (1st seat of each, then 2nd...);
    # the other seats by Webster priority; exact ties by stratum order
    priority = np.where(tier == 0, 1.0 / (k - 0.5), a[h] / (k - 0.5))
    order = np.lexsort((k, h, -priority, tier))
    chosen = h[order[:size]]
    return pd.Series(np.bincount(chosen, minlength=len(pop)), index=pop.index, name="n")
