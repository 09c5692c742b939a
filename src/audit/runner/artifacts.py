"""County-wide results every report reads, computed once per run before the notebooks.

The rule findings, household statuses, action plans, the samples of the two
frames with their visit outcomes, the exit-metric estimates (county and by
township), the data-quality ranking and the 四核四防 village table. They depend
only on (data, settings, seed), so a one-township run computes the very same
numbers as the full run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["ARTIFACT_FILES", "Artifacts", "compute_artifacts", "load_artifacts"]

ARTIFACT_FILES = {
    "findings": "findings.parquet",
    "status": "household_status.parquet",
    "plans": "action_plans.parquet",
    "sample": "sample.parquet",
    "estimates": "estimates.parquet",
    "estimates_by_township": "estimates_by_township.parquet",
    "quality": "quality.parquet",
    "villages": "village_checks.parquet",
}
#: The census simulation's frames (``Artifacts.extra``), written when present (audit.simulate).
SIMULATION_KEYS = ("simulation_summary", "simulation_by_indicator", "simulation_metrics",
                   "simulation_scenarios")  # fmt: skip


@dataclass
class Artifacts:
    """The county-wide results of one run (frames keyed as :data:`ARTIFACT_FILES`)."""

    findings: pd.DataFrame
    status: pd.DataFrame
    plans: pd.DataFrame
    sample: pd.DataFrame
    estimates: pd.DataFrame
    estimates_by_township: pd.DataFrame
    quality: pd.DataFrame
    villages: pd.DataFrame
    extra: dict = field(default_factory=dict)

    def save(self, folder: Path) -> None:
        """Write every frame as Parquet into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        for key, name in ARTIFACT_FILES.items():
            getattr(self, key).to_parquet(folder / name, index=False)
        if all(k in self.extra for k in SIMULATION_KEYS):
            from audit.simulate.result import save_frames

            save_frames({k: self.extra[k] for k in SIMULATION_KEYS}, folder)


def sample_outcomes(sample: pd.DataFrame, dataset, settings) -> pd.DataFrame:
    """Attach visit outcomes to sampled households.

    ``fails_census`` is the census status an 已脱贫 household was found in (错退
    when failing) and, for a 一般农户, whether it was found poor (漏评); missing
    when the household has not been visited yet. ``approves`` likewise.
    """
    from audit.rules import judge_visits

    judged = judge_visits(dataset.visits, dataset.households, settings).set_index("household_id")
    ids = sample["household_id"]
    exited = sample["status"].eq("已脱贫").to_numpy()
    fails = judged["fails_census"].reindex(ids).astype("boolean")
    missed = judged["missed_poor"].reindex(ids).astype("boolean")
    flag = fails.where(exited, missed)
    visits = dataset.visits.sort_values("visit_date").drop_duplicates("household_id", keep="last")
    approves = visits.set_index("household_id")["approves"].reindex(ids).astype("boolean")
    return sample.assign(
        fails_census=flag.to_numpy(),
        approves=approves.to_numpy(),
        visited=ids.isin(judged.index).to_numpy(),
    )


def draw_samples(dataset, settings, seed: int) -> pd.DataFrame:
    """Draw the 一般农户 (漏评) and 已脱贫 (错退) samples of the run, one frame."""
    from audit.sampling import draw, exited_frame, exited_sample_size, nonregistered_frame

    design = settings.census.sample_design
    frames = []
    nonreg = nonregistered_frame(dataset)
    if len(nonreg):
        frames.append(draw(nonreg, min(settings.census.nonregistered_sample, len(nonreg)), seed,
                           design=design))  # fmt: skip
    exited = exited_frame(dataset)
    if len(exited):
        frames.append(draw(exited, exited_sample_size(len(exited), settings), seed, design=design))
    return pd.concat(frames, ignore_index=True)


def compute_artifacts(dataset, settings, seed: int, findings=None, pace=None) -> Artifacts:
    """Compute every county-wide result of a run from the data, settings and seed.

    ``findings`` may be given when already computed (the Dask engine's findings
    of a county within a province, where ID-03 looks across counties). ``pace``
    is the rectification ledger's forecasts (:func:`audit.tracking.ledger_pace`)
    for the simulation's "at the current pace" scenario; None assumes the
    settings' share.
    """
    from audit import rules
    from audit.sampling import population_counts
    from audit.stats import exit_metrics

    findings = rules.run(dataset, settings) if findings is None else findings
    sample = sample_outcomes(draw_samples(dataset, settings, seed), dataset, settings)
    county = population_counts(dataset)
    towns = population_counts(dataset, by="township_code")
    estimates = exit_metrics(
        sample, remaining_poor=int(county["remaining_poor_people"].iloc[0]),
        rural_population=int(county["rural_people"].iloc[0]), settings=settings,
    )  # fmt: skip
    by_town = exit_metrics(
        sample, remaining_poor=towns["remaining_poor_people"],
        rural_population=towns["rural_people"], settings=settings, by="township_code",
    )  # fmt: skip
    _, villages = rules.four_checks(findings, dataset)
    from audit.simulate import census

    simulation = census(dataset, findings, sample, settings.simulation.runs, seed,
                        settings=settings, pace=pace)  # fmt: skip
    return Artifacts(
        findings=findings,
        status=rules.household_status(findings, dataset),
        plans=rules.action_plans(findings, dataset, settings),
        sample=sample,
        estimates=estimates,
        estimates_by_township=by_town,
        quality=rules.quality_scores(findings, dataset),
        villages=villages,
        extra=simulation.frames(),
    )


def load_artifacts(folder: Path) -> Artifacts | None:
    """Load the artifacts a runner wrote into ``folder`` (None when they are not all there)."""
    from audit.simulate.result import load_simulation

    folder = Path(folder)
    if not all((folder / name).exists() for name in ARTIFACT_FILES.values()):
        return None
    frames = {k: pd.read_parquet(folder / n) for k, n in ARTIFACT_FILES.items()}
    return Artifacts(**frames, extra=load_simulation(folder) or {})
