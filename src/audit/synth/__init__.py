"""The synthetic county: a deterministic, realistic stand-in for a county's registry.

:func:`generate` builds a :class:`~audit.dataset.Dataset` on the real townships
and villages of 甘谷县 whose *recorded* layer reproduces every figure of the
county secretary's speech exactly (see :mod:`audit.synth.scenario`), with a
separate *true* layer (:mod:`audit.synth.truth`) that only tests and validation
read. The same seed always gives the same tables; another seed gives other
households with the same recorded figures.

Random streams: one :class:`numpy.random.SeedSequence` per county, spawned into
one generator per component, so that components do not disturb each other.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from audit.dataset import Dataset
from audit.dates import age_on
from audit.reference import Reference, load_reference
from audit.settings import Settings, load_settings
from audit.synth.county import build_villages, complaints, problems, projects, quality_scores
from audit.synth.defects import plant_defects
from audit.synth.figures import plant_figures
from audit.synth.geometry import schematic_villages
from audit.synth.livelihood import add_livelihood
from audit.synth.population import build_households, build_members
from audit.synth.scenario import GANGU, Scenario
from audit.synth.truth import build_truth, build_visits

__all__ = ["DEFAULT_SEED", "GANGU", "Scenario", "generate", "iter_counties"]

DEFAULT_SEED = 20240325
_STREAMS = (
    "villages",
    "households",
    "members",
    "livelihood",
    "figures",
    "defects",
    "truth",
    "visits",
    "projects",
    "problems",
    "complaints",
    "quality",
)


def _county_reference(ref: Reference, index: int) -> tuple[str, str, Reference]:
    """Return the reference of county ``index``: Gangu for 0, relabelled copies after it."""
    if index == 0:
        return "620523", "甘谷县", ref
    code = f"6299{index:02d}"
    tag = f"（合成{index:02d}）"
    towns = ref.townships.assign(
        township_code=code + ref.townships["township_code"].str.slice(6),
        name=ref.townships["name"] + tag,
        lon=ref.townships["lon"] + 0.6 * index,
    )
    villages = ref.villages.assign(
        village_code=code + ref.villages["village_code"].str.slice(6),
        township_code=code + ref.villages["township_code"].str.slice(6),
    )
    import shapely

    outline = shapely.transform(ref.outline, lambda xy: xy + np.array([0.6 * index, 0.0]))
    return code, f"合成县{index:02d}", Reference(towns, villages, outline)


def _one_county(
    seq: np.random.SeedSequence,
    ref: Reference,
    county_code: str,
    county_name: str,
    settings: Settings,
    scale: float,
    scenario: Scenario,
):
    rngs = dict(
        zip(_STREAMS, (np.random.default_rng(s) for s in seq.spawn(len(_STREAMS))), strict=True)
    )
    figures = scenario.scaled(scale)
    ref_date = settings.audit.reference_date
    year = settings.audit.year

    villages = build_villages(rngs["villages"], ref.villages, scenario)
    hh = build_households(rngs["households"], villages, settings, scale)
    members = build_members(rngs["members"], hh, county_code, ref_date)
    members["_age"] = age_on(members["birth_date"], ref_date).to_numpy(dtype=int)
    hh, members = add_livelihood(rngs["livelihood"], hh, members, villages, settings)
    hh, members = plant_figures(rngs["figures"], hh, members, figures, ref_date)
    clean_grade = hh["house_grade"].to_numpy(dtype=object).copy()
    hh, members, defects, factor = plant_defects(rngs["defects"], hh, members)
    truth = build_truth(rngs["truth"], hh, members, clean_grade, settings)
    truth["defects"] = defects
    visits = build_visits(rngs["visits"], hh, members, truth, settings)
    approves = visits.drop_duplicates("household_id", keep="last").set_index("household_id")
    hh["approves"] = pd.array(
        hh["household_id"].map(approves["approves"]).to_numpy(), dtype="boolean"
    )

    townships = (
        ref.townships.rename(columns={})[["township_code", "name", "lon", "lat"]]
        .assign(county_code=county_code, county_name=county_name)
        .merge(quality_scores(rngs["quality"], factor), on="township_code", how="left")
    )
    geometry = schematic_villages(ref.townships, ref.villages, ref.outline)
    geometry = geometry.merge(ref.villages[["village_code", "name"]], on="village_code")
    tables = {
        "townships": townships,
        "villages": villages,
        "households": hh.drop(columns=["head_age"]),
        "members": members.drop(columns=["_age"]),
        "visits": visits,
        "projects": projects(rngs["projects"], villages, scenario, year, ref_date, county_code),
        "problems": problems(rngs["problems"], villages, scenario, year, ref_date, county_code),
        "complaints": complaints(rngs["complaints"], villages, scenario, year, county_code),
    }
    return tables, geometry, truth


def generate(
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    counties: int = 1,
    settings: Settings | None = None,
    scenario: Scenario = GANGU,
) -> Dataset:
    """Build the synthetic county (or ``counties`` counties) as a Dataset.

    Parameters
    ----------
    seed : int
        The one seed of the run; the same seed gives identical tables.
    scale : float
        Multiplies the number of households (and the household/person figures).
    counties : int
        Number of counties: the first is 甘谷县 itself, the others are copies on
        the same villages with distinct codes (``6299NN``) and names marked 合成.
    settings : Settings, optional
        Defaults to :func:`audit.settings.load_settings`.
    scenario : Scenario
        The recorded figures to reproduce.

    Returns
    -------
    Dataset
        With ``truth`` holding the true layer.

    Examples
    --------
    >>> ds = generate(seed=1, scale=0.02)  # doctest: +SKIP
    """
    if scale <= 0 or counties < 1:
        raise ValueError("scale must be positive and counties at least 1")
    settings = settings or load_settings()
    ref = load_reference()
    parts, geoms, truths, names = [], [], [], []
    for i in range(counties):
        code, name, cref = _county_reference(ref, i)
        tables, geometry, truth = _one_county(
            np.random.SeedSequence([seed, i]), cref, code, name, settings, scale, scenario
        )
        parts.append(tables)
        geoms.append(geometry)
        truths.append(truth)
        names.append({"county_code": code, "county_name": name})

    def cat(key, frames):
        return pd.concat([f[key] for f in frames], ignore_index=True)

    tables = {k: cat(k, parts) for k in parts[0]}
    truth = {k: cat(k, truths) for k in truths[0]}
    geometry = pd.concat(geoms, ignore_index=True)
    meta = _meta(names, settings, seed, scale, counties)
    return Dataset(**tables, geometry=geometry, meta=meta, truth=truth)


def _meta(names: list[dict], settings: Settings, seed: int, scale: float, counties: int) -> dict:
    """The ``dataset.json`` content of synthetic counties ``names`` (of ``counties`` built)."""
    one = len(names) == 1
    return {
        "county_code": names[0]["county_code"] if one else None,
        "county_name": names[0]["county_name"] if one else f"{len(names)} 个县（合成）",
        "counties": names,
        "reference_date": str(settings.audit.reference_date),
        "year": settings.audit.year,
        "settings": settings.to_dict(),
        "settings_source": settings.source,
        "sources": [],
        "generator": {
            "name": "audit.synth",
            "seed": seed,
            "scale": scale,
            "counties": counties,
            "synthetic": True,
        },
    }


def iter_counties(
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    counties: int = 1,
    settings: Settings | None = None,
    scenario: Scenario = GANGU,
) -> Iterator[Dataset]:
    """Yield the ``counties`` synthetic counties one at a time, each as its own Dataset.

    County ``i`` is exactly the rows of county ``i`` in
    ``generate(seed, scale, counties)`` (same random streams), so a province
    can be written county by county without holding it in memory
    (:func:`audit.partitions.write_partitioned`).

    Parameters
    ----------
    seed, scale, counties, settings, scenario
        As for :func:`generate`.

    Yields
    ------
    Dataset
        One county, with its true layer; ``meta["generator"]["counties"]`` is
        the number of counties of the whole set.

    Examples
    --------
    >>> for county in iter_counties(seed=1, scale=0.02, counties=3):  # doctest: +SKIP
    ...     print(county.meta["county_code"])
    """
    if scale <= 0 or counties < 1:
        raise ValueError("scale must be positive and counties at least 1")
    settings = settings or load_settings()
    ref = load_reference()
    for i in range(counties):
        code, name, cref = _county_reference(ref, i)
        tables, geometry, truth = _one_county(
            np.random.SeedSequence([seed, i]), cref, code, name, settings, scale, scenario
        )
        meta = _meta([{"county_code": code, "county_name": name}], settings, seed, scale, counties)
        yield Dataset(**tables, geometry=geometry, meta=meta, truth=truth)
