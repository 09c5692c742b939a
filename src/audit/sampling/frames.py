"""Sampling frames built from a Dataset: non-registered and exited households.

The census visits a random sample of non-registered households (一般农户) to
measure 漏评 (missed poor), and the exit evaluation samples exited households
(已脱贫) to measure 错退 (wrong exits); see census-rules.md §B and §F. A frame
holds one row per household with what sampling and person-based rates need:
village, township, status and the number of people (member rows; the declared
size where a household has no member rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.stats._checks import ParameterError

__all__ = [
    "FRAME_COLUMNS",
    "exited_frame",
    "household_frame",
    "nonregistered_frame",
    "population_counts",
]

#: Columns of a sampling frame.
FRAME_COLUMNS = ("household_id", "village_code", "township_code", "status", "people")

NONREGISTERED = "一般农户"
EXITED = "已脱贫"
NOT_EXITED = "未脱贫"


def _people(dataset, hh: pd.DataFrame) -> np.ndarray:
    """People per household of ``hh``: member rows, else the declared size, else 0."""
    counts = dataset.members["household_id"].value_counts()
    people = counts.reindex(hh["household_id"]).to_numpy(dtype=float, na_value=np.nan)
    declared = hh["declared_size"].astype("Float64").fillna(0).to_numpy(dtype=float)
    return np.where(np.isnan(people), declared, people).astype(np.int64)


def _township(dataset, hh: pd.DataFrame) -> pd.Series:
    """Township of each household of ``hh``: its own column, else through its village."""
    via_village = hh["village_code"].map(
        dataset.villages.set_index("village_code")["township_code"]
    )
    return hh["township_code"].fillna(via_village).astype("str")


def household_frame(dataset, status=(NONREGISTERED,)) -> pd.DataFrame:
    """Return the sampling frame of the households of some statuses.

    Parameters
    ----------
    dataset : Dataset
        The audit's data.
    status : str or sequence of str
        Household statuses (labels of ``household_status``) to keep.

    Returns
    -------
    DataFrame
        Columns :data:`FRAME_COLUMNS`, sorted by ``household_id``.

    Raises
    ------
    ParameterError
        When a household's township cannot be found.
    """
    statuses = [status] if isinstance(status, str) else list(status)
    hh = dataset.households
    hh = hh[hh["status"].isin(statuses).to_numpy()]
    frame = pd.DataFrame(
        {
            "household_id": hh["household_id"].astype("str"),
            "village_code": hh["village_code"].astype("str"),
            "township_code": _township(dataset, hh),
            "status": hh["status"].astype("str"),
            "people": _people(dataset, hh),
        }
    )
    if frame["township_code"].isna().any():
        bad = frame.loc[frame["township_code"].isna(), "household_id"].iloc[0]
        raise ParameterError(
            f"农户 {bad} 找不到所属乡镇", f"household {bad} has no township", column="township_code"
        )
    return frame.sort_values("household_id", ignore_index=True)


def nonregistered_frame(dataset) -> pd.DataFrame:
    """Frame of the non-registered households (一般农户), for 漏评."""
    return household_frame(dataset, NONREGISTERED)


def exited_frame(dataset) -> pd.DataFrame:
    """Frame of the exited registered households (已脱贫), for 错退."""
    return household_frame(dataset, EXITED)


def population_counts(dataset, by: str | None = None) -> pd.DataFrame:
    """People and households of the rural population, for 综合贫困发生率.

    Parameters
    ----------
    dataset : Dataset
    by : str, optional
        ``township_code`` or ``village_code`` for counts per domain.

    Returns
    -------
    DataFrame
        Columns ``rural_people`` (people of all households), ``remaining_poor_people``
        (people of 未脱贫 households), ``households``; one row (index ``全县``)
        without ``by``, else one per domain.
    """
    frame = household_frame(dataset, (NONREGISTERED, EXITED, NOT_EXITED))
    frame["poor_people"] = frame["people"].where(frame["status"] == NOT_EXITED, 0)
    key = frame[by] if by is not None else pd.Series("全县", index=frame.index)
    g = frame.groupby(key.to_numpy(), sort=True)
    out = pd.DataFrame(
        {
            "rural_people": g["people"].sum(),
            "remaining_poor_people": g["poor_people"].sum(),
            "households": g.size(),
        }
    )
    out.index.name = by
    return out
