"""Field returns for the demo: what cadres would record when they visit sampled households.

In a real county the sampled households' visit lists come back filled in and
are ingested (``audit ingest --into``). The demo has no cadres, so it reads the
synthetic true layer through the same imperfect eyes as the synthetic visits
(:func:`audit.synth.truth.observe`). Only the demo calls this; audit steps never
read the true layer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.dataset import Dataset
from audit.dates import age_on
from audit.synth.truth import observe

__all__ = ["field_returns", "with_field_returns"]


def field_returns(dataset: Dataset, household_ids, seed: int, settings) -> pd.DataFrame:
    """Visit records for ``household_ids`` drawn from the true layer of a synthetic Dataset.

    Parameters
    ----------
    dataset : Dataset
        A synthetic Dataset with its ``truth`` loaded.
    household_ids : sequence of str
    seed : int
    settings : Settings

    Returns
    -------
    DataFrame
        Rows of the ``visits`` table, one per household, dated on the visit days.
    """
    if dataset.truth is None:
        raise ValueError("field returns need the synthetic true layer (audit.load_truth)")
    hh = dataset.households
    visited = hh["household_id"].isin(pd.Index(household_ids)).to_numpy()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    age = age_on(dataset.members["birth_date"], settings.audit.reference_date)
    return observe(rng, hh, age.fillna(-1).to_numpy(dtype=int), dataset.truth, settings, visited)


def with_field_returns(dataset: Dataset, household_ids, seed: int, settings) -> Dataset:
    """Return the Dataset with field returns of ``household_ids`` added to its visits."""
    new = field_returns(dataset, household_ids, seed, settings)
    visits = pd.concat([dataset.visits, new], ignore_index=True).sort_values(
        ["household_id", "visit_date"], ignore_index=True)  # fmt: skip
    tables = {**dataset.tables(), "visits": visits}
    return Dataset(**tables, geometry=dataset.geometry, meta=dataset.meta, truth=dataset.truth)
