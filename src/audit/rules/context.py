"""The context a rule runs in: the Dataset's frames plus derived columns, computed once.

Derived columns (ages on the reference date, household position of each
member, health flags, per-household aggregates) are cached properties, so
each is computed at most once per run however many rules read it.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from audit.codes import IN_SCHOOL, REGISTERED
from audit.dates import age_on
from audit.idnumber import decode

__all__ = ["Context"]

#: Statuses that satisfy compulsory education (in school, taught at home, or certified unable).
COMPULSORY_OK = ("小学", "七年级", "八年级", "九年级", "普通高中一年级", "中职一年级",
                 "送教上门", "经鉴定不具备学习条件")  # fmt: skip


class Context:
    """Frames and derived columns shared by all rules of one run.

    Parameters
    ----------
    dataset : Dataset
    settings : Settings
    """

    def __init__(self, dataset, settings) -> None:
        self.dataset = dataset
        self.settings = settings
        self.households = dataset.households.reset_index(drop=True)
        self.members = dataset.members.reset_index(drop=True)
        self.villages = dataset.villages.reset_index(drop=True)

    def keys(self, table: str, column: str) -> np.ndarray:
        """Return a key column of a table as a cached numpy object array."""
        cache = self.__dict__.setdefault("_keys", {})
        if (table, column) not in cache:
            cache[table, column] = getattr(self, table)[column].to_numpy(dtype=object)
        return cache[table, column]

    @cached_property
    def id_parts(self) -> pd.DataFrame:
        """Members' ID numbers decoded once: ``valid``, ``birth_date``, ``sex`` (GB 11643)."""
        return decode(self.members["person_id"])

    @cached_property
    def valid_ids(self) -> pd.Series:
        """Members whose ID number is valid (GB 11643)."""
        return self.id_parts["valid"]

    @cached_property
    def head_row(self) -> np.ndarray:
        """For each member, the row of its household's (first) head; -1 when there is none."""
        heads = np.flatnonzero(self.members["relation"].eq("户主").to_numpy())
        first = np.full(len(self.households), -1)
        hpos = self.member_household[heads]
        keep = hpos >= 0
        first[hpos[keep][::-1]] = heads[keep][::-1]  # the first head wins
        pos = self.member_household
        return np.where(pos >= 0, first[np.clip(pos, 0, None)], -1)

    def head_value(self, column: str) -> pd.Series:
        """The household head's value of a member column, aligned with the members."""
        values = self.members[column]
        row = self.head_row
        out = values.iloc[np.clip(row, 0, None)].reset_index(drop=True)
        out.index = self.members.index
        return out.where(row >= 0)

    # -- households -------------------------------------------------------------------------
    @cached_property
    def registered(self) -> np.ndarray:
        """Households in the registry (未脱贫 or 已脱贫)."""
        return self.households["status"].isin(REGISTERED).to_numpy()

    @cached_property
    def status(self) -> np.ndarray:
        """Household status labels as a plain array."""
        return self.households["status"].astype(str).to_numpy()

    # -- members ----------------------------------------------------------------------------
    @cached_property
    def member_household(self) -> np.ndarray:
        """Row position of each member's household (-1 when the household does not exist)."""
        return pd.Index(self.households["household_id"]).get_indexer(self.members["household_id"])

    @cached_property
    def member_registered(self) -> np.ndarray:
        """Members of registered households."""
        pos = self.member_household
        return np.where(pos >= 0, self.registered[pos], False)

    @cached_property
    def age(self) -> pd.Series:
        """Completed years on the reference date (<NA> without birth date)."""
        return age_on(self.members["birth_date"], self.settings.audit.reference_date)

    @cached_property
    def health(self) -> pd.Series:
        """The health column as text ("" when missing)."""
        return self.members["health"].fillna("").astype(str)

    @cached_property
    def ill(self) -> pd.Series:
        """Members with a long-term chronic disease or a major illness."""
        return self.health.str.contains("长期慢性病|大病", regex=True)

    @cached_property
    def disabled(self) -> pd.Series:
        """Members recorded as disabled."""
        return self.health.str.contains("残疾", regex=False)

    @cached_property
    def in_school(self) -> pd.Series:
        """Members currently in school (any level from pre-school up)."""
        return self.members["school_status"].isin(IN_SCHOOL)

    @cached_property
    def compulsory_age(self) -> pd.Series:
        """Members of compulsory-schooling age (6–15 by default) on the reference date."""
        edu = self.settings.education
        return self.age.between(edu.compulsory_age_min, edu.compulsory_age_max).fillna(False)

    # -- aggregation ------------------------------------------------------------------------
    def count_by_household(self, person_mask) -> np.ndarray:
        """Count, per household row, the members where ``person_mask`` is True."""
        mask = np.asarray(pd.Series(person_mask).fillna(False), dtype=bool)
        pos = self.member_household
        ok = mask & (pos >= 0)
        return np.bincount(pos[ok], minlength=len(self.households))

    def any_by_household(self, person_mask) -> np.ndarray:
        """Return True for households with a member where ``person_mask`` is True."""
        return self.count_by_household(person_mask) > 0

    @cached_property
    def member_count(self) -> np.ndarray:
        """Member rows per household."""
        return self.count_by_household(np.ones(len(self.members), dtype=bool))

    def household_value(self, column: str) -> pd.Series:
        """Broadcast a household column to the members (aligned with ``members``)."""
        pos = self.member_household
        values = self.households[column].to_numpy()
        out = pd.Series(values[np.clip(pos, 0, None)], index=self.members.index)
        return out.where(pos >= 0)
