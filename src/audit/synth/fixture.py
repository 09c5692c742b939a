"""The small example Dataset shipped in ``data/fixtures/small``.

Two townships (新兴镇, 古坡镇) of a 5 % county, with field returns for the
households the runner samples, so that every report section has data. The
report notebooks run on it when no ``data_dir`` is given, and nbval checks
their key figures on it. ``tests/test_fixture.py`` checks the committed copy
is what :func:`build_fixture` builds.
"""

from __future__ import annotations

from pathlib import Path

from audit.dataset import Dataset

__all__ = ["FIXTURE_SEED", "FIXTURE_TOWNSHIPS", "build_fixture", "write_fixture"]

FIXTURE_SEED = 7
FIXTURE_TOWNSHIPS = ("620523101", "620523110")
FIXTURE_SCALE = 0.05


def build_fixture() -> Dataset:
    """Build the example Dataset (deterministic)."""
    from audit.runner.artifacts import draw_samples
    from audit.settings import load_settings
    from audit.synth import generate
    from audit.synth.returns import with_field_returns

    settings = load_settings()
    ds = generate(seed=FIXTURE_SEED, scale=FIXTURE_SCALE).subset(list(FIXTURE_TOWNSHIPS))
    sample = draw_samples(ds, settings, FIXTURE_SEED)
    ds = with_field_returns(ds, sample["household_id"], FIXTURE_SEED, settings)
    ds.meta = {**ds.meta, "fixture": True}
    return ds


def write_fixture(path: str | Path) -> Path:
    """Build the example Dataset and save it to ``path``."""
    return build_fixture().save(path)
