"""The first-stage structure of a sample (strata, PSUs, weights, fpc) and its variance.

The variance of an estimated total of linearised values ``z`` is the
"ultimate cluster" estimator (Kalton 1979; Cochran 1977 §11.9; Lohr 2022 §6.6)

    v = Σ_h (1 − f_h) n_h / (n_h − 1) Σ_i (z_hi − z̄_h)²,

with the conventions of R's survey package (Lumley 2010, *Complex Surveys*) for
weights, ``fpc`` (population size or sampling fraction), nested PSUs, degrees of
freedom and strata with a single PSU; see :mod:`audit.stats.taylor`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.stats._checks import ParameterError, numeric_column, require_column

__all__ = ["Design"]


class Design:
    """The first-stage structure of a sample: strata, PSUs, weights and fpc.

    Build it once and estimate many variables with :meth:`variance`.

    Parameters
    ----------
    frame : DataFrame
        One row per sampled unit.
    strata, weights, fpc, cluster : str, optional
        Column names, as in :func:`estimate`.
    lonely_psu : {"adjust", "remove"}
        Treatment of strata with a single PSU: ``adjust`` centres them at the
        grand mean (conservative); ``remove`` lets them contribute nothing.
    """

    def __init__(
        self, frame, strata=None, weights=None, fpc=None, cluster=None, lonely_psu="adjust"
    ):
        if lonely_psu not in ("adjust", "remove"):
            raise ValueError("lonely_psu must be 'adjust' or 'remove'")
        n = len(frame)
        if n == 0:
            raise ParameterError("样本为空", "the sample is empty", parameter="frame")
        self.n = n
        self.lonely_psu = lonely_psu
        s = _labels(frame, strata, n)
        self.stratum, strata_levels = pd.factorize(s, sort=True)
        self.n_strata = len(strata_levels)
        if cluster is None:  # every unit is its own PSU
            c_codes, n_c = np.arange(n), n
        else:
            c_codes, c_levels = pd.factorize(_labels(frame, cluster, n))
            n_c = len(c_levels)
        # PSUs are (stratum, cluster) pairs (R's nest = TRUE), numbered by stratum
        pairs, self.psu = np.unique(
            self.stratum.astype(np.int64) * n_c + c_codes, return_inverse=True
        )
        self.n_psu = len(pairs)
        self.psu_stratum = pairs // n_c
        self.n_h = np.bincount(self.psu_stratum, minlength=self.n_strata).astype(float)
        self.f_h = self._fractions(frame, fpc)
        if weights is not None:
            w = numeric_column(frame, weights)
            if np.any(~np.isfinite(w)) or np.any(w <= 0):
                raise ParameterError(
                    f"权重列「{weights}」有缺失、零或负值",
                    f"weights column {weights!r} holds missing, zero or negative values",
                    column=weights,
                )
        elif fpc is not None:
            with np.errstate(divide="ignore"):
                w = np.where(self.f_h > 0, 1.0 / self.f_h, 1.0)[self.stratum]
        else:
            w = np.ones(n)
        self.w = np.asarray(w, dtype=float)
        self.has_fpc = fpc is not None

    @property
    def df(self) -> int:
        """Degrees of freedom: PSUs − strata (at least 1 for interval quantiles)."""
        return int(self.n_psu - self.n_strata)

    def _fractions(self, frame, fpc) -> np.ndarray:
        if fpc is None:
            return np.zeros(self.n_strata)
        pop = numeric_column(frame, fpc)
        N = np.full(self.n_strata, np.nan)
        N[self.stratum] = pop
        same = (pop == N[self.stratum]) | (np.isnan(pop) & np.isnan(N[self.stratum]))
        if not same.all():
            raise ParameterError(
                f"fpc 列「{fpc}」在同一层内取值不一致",
                f"fpc column {fpc!r} is not constant within a stratum",
                column=fpc,
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(N <= 1.0, N, self.n_h / N)
        f = np.where(np.isfinite(f), f, 0.0)
        if np.any(f > 1.0 + 1e-12):
            raise ParameterError(
                f"fpc 列「{fpc}」的总体规模小于该层的样本单元数",
                f"fpc column {fpc!r}: a stratum's population is smaller than its sample",
                column=fpc,
            )
        return np.clip(f, 0.0, 1.0)

    def variance(self, z: np.ndarray) -> np.ndarray:
        """Variance of the estimated total of each column of ``z`` (n × k linearised values)."""
        z = np.asarray(z, dtype=float).reshape(self.n, -1)
        k = z.shape[1]
        t = np.zeros((self.n_psu, k))
        np.add.at(t, self.psu, z)  # PSU totals, (G, k)
        sums = np.zeros((self.n_strata, k))
        np.add.at(sums, self.psu_stratum, t)
        mean_h = sums / self.n_h[:, None]
        lonely = self.n_h == 1
        centre = mean_h.copy()
        if self.lonely_psu == "adjust" and lonely.any():
            centre[lonely] = t.sum(axis=0) / self.n_psu
        dev2 = (t - centre[self.psu_stratum]) ** 2
        ss = np.zeros((self.n_strata, k))
        np.add.at(ss, self.psu_stratum, dev2)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(lonely, 1.0, self.n_h / (self.n_h - 1.0)) * (1.0 - self.f_h)
        if self.lonely_psu == "remove":
            scale = np.where(lonely, 0.0, scale)
        return (scale[:, None] * ss).sum(axis=0)


def _labels(frame, column, n) -> np.ndarray:
    if column is None:
        return np.zeros(n, dtype=np.int64)
    require_column(frame, column)
    s = frame[column]
    if s.isna().any():
        raise ParameterError(
            f"列「{column}」有缺失值", f"column {column!r} holds missing values", column=column
        )
    return s.to_numpy()
