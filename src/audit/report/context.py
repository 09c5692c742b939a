"""The data one report reads: its township (or the county), the run's results, the settings.

:func:`open_report` is the first call of every report notebook: it checks the
parameters, loads the Dataset and the county-wide results the runner computed
(or computes them in memory when the notebook runs on its own), and narrows
household-level tables to the report's township, so that a township's report
can only ever show its own households.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from audit.dataset import Dataset, load_dataset
from audit.runner.artifacts import Artifacts, compute_artifacts, load_artifacts
from audit.runner.parameters import ParameterError, check_parameters
from audit.schema import TABLES, conform
from audit.settings import Settings, settings_from_record
from audit.tracking import ledger_pace

__all__ = ["ReportContext", "header_fields", "open_report"]


@dataclass
class ReportContext:
    """What a report shows: the county's data and results, seen from one township or the county."""

    county: Dataset
    data_dir: Path
    artifacts: Artifacts
    settings: Settings
    township_code: str
    run_id: str
    seed: int
    as_of: dt.date
    out_dir: Path | None = None

    def failed_townships(self) -> list[str]:
        """Townships whose report failed in this run (the runner records them)."""
        status = self.out_dir / "township_status.json" if self.out_dir else None
        if status is None or not status.exists():
            return []
        return [k for k, v in json.loads(status.read_text(encoding="utf-8")).items() if v != "ok"]

    @property
    def is_county(self) -> bool:
        """True for the county report."""
        return not self.township_code

    @cached_property
    def data(self) -> Dataset:
        """The report's own Dataset: the township's rows only (the county for the county report)."""
        return self.county if self.is_county else self.county.subset([self.township_code])

    @property
    def county_name(self) -> str:
        """The county's name (甘谷县)."""
        return str(
            self.county.meta.get("county_name") or self.county.townships["county_name"].iloc[0]
        )

    @property
    def name(self) -> str:
        """The report's place: 甘谷县 or 甘谷县 新兴镇."""
        if self.is_county:
            return self.county_name
        town = self.county.townships.set_index("township_code").loc[self.township_code, "name"]
        return f"{self.county_name} {town}"

    def own(self, frame: pd.DataFrame, column: str = "township_code") -> pd.DataFrame:
        """Rows of a county-wide frame that belong to the report's township."""
        if self.is_county:
            return frame
        return frame[frame[column].astype(str) == self.township_code]

    @property
    def findings(self) -> pd.DataFrame:
        """Findings of the report's households and villages."""
        return self.own(self.artifacts.findings)

    @property
    def days_left(self) -> int:
        """Days from the as-of date to the final deadline (30 June)."""
        return (self.settings.deadlines.final - self.as_of).days

    @property
    def schematic(self) -> bool:
        """True when the village polygons are the demo's schematic tessellation."""
        geo = self.county.geometry
        return geo is None or bool(geo["schematic"].astype(bool).any())

    def header(self) -> dict:
        """The report header fields for the HTML template."""
        return header_fields(
            self.county, self.township_code, self.as_of, self.run_id, self.settings
        )


def header_fields(
    county: Dataset, township_code: str, as_of: dt.date, run_id: str, settings: Settings
) -> dict:
    """The header of a report: place, as-of date, days left, run id, data fingerprint.

    Parameters
    ----------
    county : Dataset
        The county's Dataset.
    township_code : str
        "" for the county report.
    as_of : datetime.date
    run_id : str
    settings : Settings

    Returns
    -------
    dict
    """
    county_name = str(county.meta.get("county_name") or county.townships["county_name"].iloc[0])
    name = county_name
    if township_code:
        town = county.townships.set_index("township_code").loc[township_code, "name"]
        name = f"{county_name} {town}"
    fingerprint = str(county.meta.get("fingerprint", ""))
    geo = county.geometry
    final = settings.deadlines.final
    return {
        "title": f"{name}  普查准备度审计报告",
        "as_of": as_of.isoformat(),
        "deadline_label": f"{final.month}月{final.day}日",
        "days_left": (final - as_of).days,
        "run_id": run_id or "—",
        "fingerprint": f"{fingerprint[:4]}…{fingerprint[-3:]}" if fingerprint else "—",
        "schematic": geo is None or bool(geo["schematic"].astype(bool).any()),
        "footer": "本报告由普查准备度审计工作簿自动生成；身份证号码和姓名已脱敏。",
    }


def open_report(township_code="", data_dir="", out_dir="", run_id="", seed=0, as_of=""):
    """Check the parameters and open the report's data.

    Parameters
    ----------
    township_code : str
        9-digit township code; "" for the county report.
    data_dir, out_dir, run_id, seed, as_of
        As in the notebook's ``parameters`` cell (see
        :func:`audit.runner.parameters.check_parameters`).

    Returns
    -------
    ReportContext
    """
    p = check_parameters(township_code, data_dir, out_dir, run_id, seed, as_of)
    county = _load(p.data_dir, p.township_code)
    if p.township_code and p.township_code not in set(county.townships["township_code"]):
        raise ParameterError(
            f"数据集中没有乡镇代码「{p.township_code}」",
            f"township {p.township_code!r} is not in the dataset",
            parameter="township_code",
        )
    settings = _settings(county)
    artifacts = load_artifacts(p.out_dir) if p.out_dir else None
    if artifacts is None:
        pace = ledger_pace(p.data_dir, settings, strict=False)
        artifacts = compute_artifacts(county, settings, p.seed, pace=pace)
    as_of = p.as_of or dt.date.fromisoformat(str(county.meta.get("reference_date")))
    return ReportContext(
        county,
        p.data_dir,
        artifacts,
        settings,
        p.township_code,
        p.run_id,
        p.seed,
        as_of,
        p.out_dir,
    )


def _load(path: Path, township_code: str) -> Dataset:
    """Load the county; for a township report, only that township's households and members.

    The county-wide tables (townships, villages, projects, problems, polygons) are
    read whole; households, members and visits of other townships are never read
    (a township's report cannot show them, and loading is several times faster).
    """
    if not township_code or not (path / "households.parquet").is_file():
        return load_dataset(path)
    full = {
        name: pd.read_parquet(path / f"{name}.parquet")
        for name in TABLES
        if name not in ("households", "members", "visits")
    }
    hh = pd.read_parquet(
        path / "households.parquet", filters=[("township_code", "==", township_code)]
    )
    ids = hh["household_id"].astype(str).tolist()
    inside = [("household_id", "in", ids)] if ids else None
    members = pd.read_parquet(path / "members.parquet", filters=inside)
    visits = pd.read_parquet(path / "visits.parquet", filters=inside)
    if not ids:
        members, visits = members.iloc[:0], visits.iloc[:0]
    frames = {**full, "households": hh, "members": members, "visits": visits}
    frames = {name: conform(frames[name], name) for name in TABLES}
    geo_file = path / "villages.gpkg"
    geometry = None
    if geo_file.exists():
        import geopandas as gpd

        geometry = gpd.read_file(geo_file, layer="villages")
    meta = json.loads((path / "dataset.json").read_text(encoding="utf-8"))
    return Dataset(**frames, geometry=geometry, meta=meta)


def _settings(dataset: Dataset) -> Settings:
    """The settings the Dataset was built with (recorded in dataset.json), else the defaults."""
    return settings_from_record(dataset.meta.get("settings"))


def fixture_path() -> Path:
    """The small example Dataset used when a notebook runs without ``data_dir``."""
    from audit.runner.parameters import FIXTURE_DIR

    return FIXTURE_DIR
