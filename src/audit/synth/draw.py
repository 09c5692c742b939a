"""Vectorised random draws used by the generator (exact counts, per-row categories)."""

from __future__ import annotations

import numpy as np

__all__ = ["choice_rows", "pick_exact", "split_integer"]


def pick_exact(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Return a boolean mask selecting exactly ``k`` items, without replacement, by weight.

    Uses the Gumbel-top-k trick (equivalent to successive weighted draws
    without replacement). Items of weight 0 are never selected.

    Raises
    ------
    ValueError
        When fewer than ``k`` items have positive weight.
    """
    weights = np.asarray(weights, dtype="float64")
    eligible = weights > 0
    if eligible.sum() < k:
        raise ValueError(f"cannot pick {k} items: only {int(eligible.sum())} are eligible")
    keys = np.full(len(weights), -np.inf)
    keys[eligible] = np.log(weights[eligible]) + rng.gumbel(size=int(eligible.sum()))
    mask = np.zeros(len(weights), dtype=bool)
    if k > 0:
        mask[np.argpartition(-keys, k - 1)[:k]] = True
    return mask


def choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row of a (rows × categories) matrix of weights."""
    probs = np.asarray(probs, dtype="float64")
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1).clip(max=probs.shape[1] - 1)


def split_integer(rng: np.random.Generator, total: int, parts: int, minimum: int = 1) -> np.ndarray:
    """Split ``total`` into ``parts`` random non-negative integers, each at least ``minimum``."""
    if parts * minimum > total:
        raise ValueError(f"cannot split {total} into {parts} parts of at least {minimum}")
    if parts == 0:
        return np.zeros(0, dtype=np.int64)
    extra = rng.multinomial(total - parts * minimum, np.full(parts, 1.0 / parts))
    return extra + minimum
