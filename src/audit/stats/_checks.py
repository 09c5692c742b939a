"""Argument checks shared by the statistics modules (bilingual errors)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.errors import AuditError

__all__ = [
    "ParameterError",
    "check_confidence",
    "check_counts",
    "check_rate",
    "numeric_column",
    "require_column",
]


class ParameterError(AuditError, ValueError):
    """An argument of a statistical function is out of its range.

    It is both an :class:`~audit.errors.AuditError` (bilingual message naming the
    parameter, exit status 2 on the command line) and a :class:`ValueError`.
    """


def check_confidence(confidence: float, name: str = "confidence") -> None:
    """Raise ParameterError unless ``0 < confidence < 1``."""
    if not 0.0 < float(confidence) < 1.0:
        raise ParameterError(
            f"置信水平必须在 0 与 1 之间，当前为 {confidence}",
            f"{name} must lie strictly between 0 and 1, got {confidence}",
            parameter=name,
        )


def check_rate(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float; raise ParameterError unless it is a rate in (0, 1)."""
    v = float(value)
    ok = (0.0 <= v < 1.0) if allow_zero else (0.0 < v < 1.0)
    if not ok:
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ParameterError(
            f"参数 {name} 必须在 {interval} 之内，当前为 {value}",
            f"{name} must lie in {interval}, got {value}",
            parameter=name,
        )
    return v


def check_counts(x, n) -> tuple[np.ndarray, np.ndarray]:
    """Return ``x`` and ``n`` as broadcast float arrays; require ``0 <= x <= n``."""
    x, n = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(n, dtype=float))
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(n)):
        raise ParameterError(
            "计数中有缺失值或无穷值", "counts hold missing or infinite values", parameter="x"
        )
    if np.any(n < 0) or np.any(x < 0) or np.any(x > n):
        raise ParameterError(
            "计数无效：须满足 0 ≤ x ≤ n", "invalid counts: need 0 <= x <= n", parameter="x"
        )
    return x, n


def require_column(frame, column) -> None:
    """Raise ParameterError naming ``column`` when ``frame`` lacks it."""
    if column not in frame.columns:
        raise ParameterError(
            f"样本中没有列「{column}」", f"the sample has no column {column!r}", column=column
        )


def numeric_column(frame, column) -> np.ndarray:
    """Return a numeric or boolean column as float64 (missing → NaN); else ParameterError."""
    require_column(frame, column)
    s = frame[column]
    if isinstance(s.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
    ):
        raise ParameterError(
            f"列「{column}」应为数值或是/否",
            f"column {column!r} must be numeric or boolean",
            column=column,
        )
    return s.astype("float64").to_numpy(dtype=float, na_value=np.nan)
