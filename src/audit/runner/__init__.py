"""The runner: one parameterized notebook per township and one for the county, via papermill.

:func:`run_audit` computes the county-wide results once, runs the township
reports on a process pool (or a Dask cluster), then the county reports, writes
the Excel work lists and ``manifest.json``, and renames the run into place.
"""

from audit.runner.artifacts import Artifacts, compute_artifacts, load_artifacts
from audit.runner.parameters import ParameterError, check_parameters, declared
from audit.runner.run import RunResult, resolve_townships, run_audit

__all__ = [
    "Artifacts",
    "ParameterError",
    "RunResult",
    "check_parameters",
    "compute_artifacts",
    "declared",
    "load_artifacts",
    "resolve_townships",
    "run_audit",
]
