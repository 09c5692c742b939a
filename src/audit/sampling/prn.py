"""Permanent random numbers: one uniform number per unit, from the seed and the unit's key.

Every household (and every village) gets a fixed number ``u ∈ (0, 1)`` that depends
only on the run's seed and its own identifier, never on the order of the frame or
on how the work is split between processes. Sampling by "the ``n`` smallest
numbers" then gives a simple random sample without replacement (the numbers are
independent and uniform), and asking for a larger ``n`` keeps every unit of the
smaller sample. This is the permanent-random-number technique of coordinated
sampling (Ohlsson 1995, "Coordination of samples using permanent random numbers",
in Cox et al., *Business Survey Methods*, ch. 9; Ohlsson 1998, "Sequential Poisson
sampling", *Journal of Official Statistics* 14:149–162), as statistical offices
and audit software use it to extend samples.

The number is a keyed hash: the key is drawn from
``numpy.random.SeedSequence([seed, stream])`` (stable across numpy versions and
platforms); the identifier's UTF-8 bytes are hashed with 64-bit FNV-1a started
from the key, then mixed with the SplitMix64 finaliser (Steele, Lea & Flood 2014)
and a second key word. All arithmetic is unsigned 64-bit with wrap-around, so
the result is identical on every machine; the loop runs over character
positions, never over units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.stats._checks import ParameterError

__all__ = ["STREAMS", "permanent_random_numbers"]

#: Independent streams of numbers for the same seed (households and villages).
STREAMS = {"households": 0, "villages": 1}

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def _splitmix64(h: np.ndarray) -> np.ndarray:
    h = h + np.uint64(0x9E3779B97F4A7C15)
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def permanent_random_numbers(keys, seed: int, stream: str | int = "households") -> np.ndarray:
    """Return one uniform number in (0, 1) per key, fixed by ``seed`` and the key alone.

    Parameters
    ----------
    keys : array-like of str
        Unit identifiers (household IDs, village codes). Missing keys are an error.
    seed : int
        The run's seed (a non-negative integer).
    stream : str or int
        ``"households"``, ``"villages"`` or an integer: independent numbers for the
        same keys and seed.

    Returns
    -------
    ndarray of float64
        In the open interval (0, 1), in the order of ``keys``.

    Examples
    --------
    >>> u = permanent_random_numbers(["a", "b"], seed=1)
    >>> bool(((u > 0) & (u < 1)).all())
    True
    """
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(
            f"随机种子必须为非负整数，当前为 {seed!r}",
            f"seed must be a non-negative integer, got {seed!r}",
            parameter="seed",
        )
    stream_id = STREAMS.get(stream, stream) if isinstance(stream, str) else int(stream)
    if isinstance(stream_id, str):
        raise ParameterError(
            f"未知的随机流 {stream!r}", f"unknown stream {stream!r}", parameter="stream"
        )
    s = pd.Series(keys, copy=False) if not isinstance(keys, pd.Series) else keys
    if s.isna().any():
        raise ParameterError("编号中有缺失值", "keys hold missing values", parameter="keys")
    k0, k1 = np.random.SeedSequence([int(seed), stream_id]).generate_state(2, dtype=np.uint64)
    raw = np.strings.encode(s.to_numpy(dtype=str), "utf-8")
    n = len(raw)
    width = raw.dtype.itemsize
    if n == 0:
        return np.zeros(0)
    lengths = np.strings.str_len(raw).astype(np.uint64)
    codes = np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(n, max(width, 1))
    h = np.full(n, _FNV_OFFSET ^ k0, dtype=np.uint64)
    for j in range(width):  # over byte positions, not units
        active = lengths > j
        mixed = (h ^ codes[:, j].astype(np.uint64)) * _FNV_PRIME
        h = np.where(active, mixed, h)
    h = _splitmix64(h ^ k1 ^ (lengths * np.uint64(0x9E3779B97F4A7C15)))
    # 53 random bits, centred in their cell: never exactly 0 or 1
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
