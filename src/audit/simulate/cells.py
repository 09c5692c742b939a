"""Groups of exchangeable households: the units the Monte Carlo draws binomials for.

Drawing every household in every run would cost households × runs random
numbers. Households with the same chance of failing in every run are
exchangeable, so the number failing among them is one binomial per run.

- **Indicator groups.** On one indicator, the households of a township with the
  same recorded state and visit state share one chance per run. Those whose
  record or visit makes failure likely (recorded failing, or seen failing)
  are drawn per village, in a middle and a high cell by plug-in chance (as
  below). The
  others (*low* households, chance at most the hidden-failure rate) are drawn
  per township — one exact binomial per (township, state/visit code) — and
  each failing household is then placed in a village by drawing one of the
  group's households at random (with replacement: the multinomial stand-in
  for the exact multivariate hypergeometric split, off by a factor
  ``(N − X)/(N − 1)`` in variance, negligible when few of a group fail).
- **Household cells** for "fails any indicator": a household *type* (township,
  extra-visit flag, and the state/visit code on all eleven indicators) fails
  with ``1 − Π_k (1 − p_k)`` (indicators independent given the record and the
  visit). Households are drawn in cells of village × 已脱贫/未脱贫 × plug-in
  chance (below 0.1, up to 0.6, above) with the mean chance of the cell's
  households: the binomial with the same mean is a slightly conservative
  stand-in for the sum of unequal Bernoulli trials (Hoeffding 1956, *Ann.
  Math. Stat.* 27:713–721), and grouping by chance keeps it tight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from audit.simulate.frames import STATES, VISIT_STATES, Households

__all__ = ["CLASS_BOUNDS", "CODES", "HouseholdCells", "IndicatorGroups", "household_cells",
           "indicator_groups"]  # fmt: skip

#: State × visit combinations per indicator (code = 4 · state + visit).
CODES = 16
#: Plug-in chance bounds of the low / middle / high household cells of a village.
CLASS_BOUNDS = (0.1, 0.6)


def _high(state: np.ndarray, visit: np.ndarray) -> np.ndarray:
    return (state == STATES["fail"]) | (visit == VISIT_STATES["fail"])


@dataclass
class IndicatorGroups:
    """The groups of one indicator (columns index the chance table ``T·16 × R``)."""

    low_column: np.ndarray  # [G]
    low_size: np.ndarray  # [G]
    low_start: np.ndarray  # [G] offset of the group's households in low_village
    low_village: np.ndarray  # villages of the low households, by group
    high_weights: sparse.csr_matrix  # village cells × columns (mean over the cell)
    high_size: np.ndarray  # [C]
    high_member: sparse.csr_matrix  # villages × village cells


def indicator_groups(h: Households, k: int, n_villages: int, chance: np.ndarray,
                     n_columns: int) -> IndicatorGroups:  # fmt: skip
    """Build the township groups and village cells of indicator ``k``.

    ``chance`` is the plug-in chance of each household on the indicator: the
    likely-failing households of a village are split into a middle and a high
    cell by :data:`CLASS_BOUNDS`.
    """
    state, visit = h.state[:, k].astype(np.int64), h.visit[:, k].astype(np.int64)
    column = h.township * CODES + 4 * state + visit
    live = state != STATES["ineligible"]
    high = _high(state, visit) & live
    low = live & ~high
    order = np.argsort(column[low], kind="stable")
    cols, start, size = np.unique(column[low][order], return_index=True, return_counts=True)
    keys = pd.DataFrame({"village": h.village[high],
                         "level": np.digitize(chance[high], CLASS_BOUNDS)})  # fmt: skip
    cell = keys.groupby(["village", "level"], sort=True).ngroup().to_numpy()
    n_cells = int(cell.max()) + 1 if len(cell) else 0
    w = sparse.coo_matrix((np.ones(len(cell)), (cell, column[high])), shape=(n_cells, n_columns))
    w = w.tocsr()
    cell_size = np.asarray(w.sum(axis=1)).ravel()
    w = sparse.csr_matrix(w.multiply(1.0 / np.maximum(cell_size, 1)[:, None]))
    village = np.zeros(n_cells, dtype=np.int64)
    village[cell] = h.village[high]
    member = sparse.csr_matrix(
        (np.ones(n_cells, dtype=np.int64), (village, np.arange(n_cells))),
        shape=(n_villages, n_cells),
    )  # fmt: skip
    return IndicatorGroups(cols, size, start, h.village[low][order], w,
                           cell_size.astype(np.int64), member)  # fmt: skip


@dataclass
class HouseholdCells:
    """Household types and the cells drawn for "fails any indicator".

    ``plain`` and ``top`` hold, per indicator, the table columns the types use
    (top: pairs of extra-visit flag and column); ``incidence`` and
    ``incidence_top`` (types × used columns) turn the stacked log-survival
    tables into each type's log chance of failing nothing.
    """

    plain: list  # per indicator: used columns of the T·16 table
    top: list  # per indicator: (flag, column) pairs used
    incidence: sparse.csr_matrix
    incidence_top: sparse.csr_matrix
    fixable: np.ndarray  # per type: some recorded failure (a 一户一策 action)
    in_top: np.ndarray  # per type: in an extra-visit village
    weights: sparse.csr_matrix  # cells × types (mean over the cell's households)
    size: np.ndarray
    village: np.ndarray
    township: np.ndarray
    exited: np.ndarray
    people: np.ndarray  # mean people per household of the cell


def _incidence(keys: list[np.ndarray], u: int) -> tuple[list, sparse.csr_matrix]:
    """Per indicator, the unique keys used and the types × used-columns incidence."""
    used, cols, offset = [], [], 0
    for key in keys:  # eleven indicators
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        used.append(uniq)
        cols.append(offset + inverse.ravel())
        offset += len(uniq)
    k = len(keys)
    rows = np.repeat(np.arange(u), k)
    col = np.column_stack(cols).ravel()
    return used, sparse.csr_matrix((np.ones(u * k), (rows, col)), shape=(u, offset))


def household_cells(h: Households, top: np.ndarray, chance: np.ndarray) -> HouseholdCells:
    """Build the household types and cells.

    Parameters
    ----------
    h : Households
    top : ndarray of bool
        Villages of the extra-visit scenario.
    chance : ndarray
        Plug-in chance of each household failing any indicator (groups the
        households of a village into low, middle and high cells).
    """
    k = h.state.shape[1]
    code = 4 * h.state.astype(np.int64) + h.visit.astype(np.int64)
    flag = top[h.village].astype(np.int64)
    types, type_of = np.unique(np.column_stack([h.township, flag, code]), axis=0,
                               return_inverse=True)  # fmt: skip
    type_of = type_of.ravel()
    column = types[:, :1] * CODES + types[:, 2:]  # [U × K]
    plain, incidence = _incidence([column[:, j] for j in range(k)], len(types))
    pairs = [np.column_stack([types[:, 1], column[:, j]]) for j in range(k)]
    top_used, incidence_top = _incidence(pairs, len(types))
    fixable = ((types[:, 2:] // 4) == STATES["fail"]).any(axis=1)
    level = np.digitize(chance, CLASS_BOUNDS)
    keys = pd.DataFrame({"village": h.village, "exited": h.exited, "level": level})
    cell = keys.groupby(list(keys.columns), sort=True).ngroup().to_numpy()
    n_cells = int(cell.max()) + 1 if len(cell) else 0
    w = sparse.coo_matrix((np.ones(len(cell)), (cell, type_of)), shape=(n_cells, len(types)))
    w = w.tocsr()
    size = np.asarray(w.sum(axis=1)).ravel()
    w = sparse.csr_matrix(w.multiply(1.0 / size[:, None]))
    village = np.zeros(n_cells, dtype=np.int64)
    village[cell] = h.village
    township = np.zeros(n_cells, dtype=np.int64)
    township[cell] = h.township
    exited = np.zeros(n_cells, dtype=bool)
    exited[cell] = h.exited
    people = np.bincount(cell, weights=h.people, minlength=n_cells) / size
    return HouseholdCells(plain, top_used, incidence, incidence_top, fixable, types[:, 1] == 1,
                          w, size, village, township, exited, people)  # fmt: skip
