"""Shared fixtures: the full demo county (once per session) and a small two-township slice."""

from __future__ import annotations

import pytest

from audit import synth

#: Two townships of different size, used by the fast unit tests.
SMALL_TOWNSHIPS = ("620523101", "620523110")  # 新兴镇, 古坡镇


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
    """The audit run over the shipped example Dataset (both townships, two workers)."""
    from audit.runner import run_audit
    from audit.runner.parameters import FIXTURE_DIR

    return run_audit(
        FIXTURE_DIR, tmp_path_factory.mktemp("runs") / "full", workers=2, progress=False
    )
