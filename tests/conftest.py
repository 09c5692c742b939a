"""Shared fixtures: the full demo county (once per session) and a small two-township slice.

The suite runs on pytest-xdist workers (``make test``: ``-n logical --dist loadgroup``).
Expensive fixtures are made once for the whole run, not once per worker:

- ``fixture_run`` (an audit run over the example Dataset, read-only for every test) is
  written once into the run's shared temporary folder under a file lock; the other
  workers wait for it and read the same folder;
- ``gangu`` (the demo county, in memory, with its true layer) is built once by sending
  every module that uses it to the same worker (an ``xdist_group``);
- the other tests are grouped by module (its module-scoped fixtures are made once), and
  the groups known to be long are queued first so that they do not finish last.
"""

from __future__ import annotations

import fcntl
import json
from contextlib import contextmanager

import pytest

from audit import synth

#: Two townships of different size, used by the fast unit tests.
SMALL_TOWNSHIPS = ("620523101", "620523110")  # 新兴镇, 古坡镇
#: Modules that run long (whole demo runs, runs with killed kernels, sweeps), longest first.
LONG_MODULES = (
    "test_determinism",
    "test_scale_province",
    "test_faults",
    "test_simulate_calibration",
    "test_runner",
    "test_blas_independence",
    "test_bad_input",
)


def pytest_collection_modifyitems(config, items):
    """Group tests for pytest-xdist (see the module docstring) and queue long groups first."""
    modules = {}
    for item in items:
        modules.setdefault(item.module.__name__, []).append(item)
    group = {
        name: "gangu" if any("gangu" in item.fixturenames for item in tests) else name
        for name, tests in modules.items()
    }
    for item in items:
        item.add_marker(pytest.mark.xdist_group(group[item.module.__name__]))
    rank = {name: i for i, name in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: rank.get(item.module.__name__, len(rank)))  # stable


@contextmanager
def _shared(tmp_path_factory, name: str):
    """A folder shared by all workers of this test run, and a lock held while it is made."""
    root = tmp_path_factory.getbasetemp()
    if root.name.startswith("popen-gw"):  # an xdist worker: share the run's parent folder
        root = root.parent
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root / name
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def gangu():
    """The default demo county (seed 20240325, scale 1), with its true layer."""
    return synth.generate()


@pytest.fixture(scope="session")
def small():
    """A small deterministic Dataset: two townships of a 5 % county."""
    return synth.generate(seed=7, scale=0.05).subset(SMALL_TOWNSHIPS)


@pytest.fixture(scope="session")
def small_dir(small, tmp_path_factory):
    """The small Dataset saved to a folder."""
    return small.save(tmp_path_factory.mktemp("data") / "small")


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory):
    """The audit run over the shipped example Dataset (both townships, two workers).

    Made once per test run and shared by the workers; tests only read it (copy it to
    change it).
    """
    from audit.runner import run_audit
    from audit.runner.parameters import FIXTURE_DIR
    from audit.runner.run import RunResult

    with _shared(tmp_path_factory, "fixture_run") as folder:
        out = folder / "full"
        if (out / "manifest.json").is_file():
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            return RunResult(out, manifest)
        return run_audit(FIXTURE_DIR, out, workers=2, progress=False)
