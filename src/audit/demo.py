"""The whole audit on the synthetic county, as ``audit demo`` runs it.

1. synthesize 甘谷县 (recorded and true layers);
2. draw the run's samples and simulate the cadres' field returns for them from
   the true layer (the demo's stand-in for filled-in visit lists);
3. simulate the first weeks of the campaign (weekly runs and township returns in
   the rectification ledger, ``data/ledger.sqlite``) so the reports show a burn-down;
4. run the audit: rules, estimates, forecast, reports for the 15 townships and the county.
"""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["DEMO_WEEKS", "run_demo"]

#: Weeks of campaign history the demo simulates before its reports.
DEMO_WEEKS = 3


def run_demo(
    out: Path, *, seed: int | None = None, workers: int | None = None, settings=None, echo=print
):
    """Build the demo county under ``out/data`` and run the audit into ``out/run``.

    Returns
    -------
    audit.runner.RunResult
    """
    from audit import synth
    from audit.runner import run_audit
    from audit.runner.artifacts import draw_samples
    from audit.settings import load_settings
    from audit.summary import format_summary
    from audit.synth.history import build_demo_history
    from audit.synth.returns import with_field_returns

    settings = settings or load_settings()
    seed = synth.DEFAULT_SEED if seed is None else seed
    t0 = time.perf_counter()
    echo("正在生成合成县数据… / building the synthetic county…")
    ds = synth.generate(seed=seed, settings=settings)
    echo("正在模拟抽样农户的入户核查结果… / simulating field returns for the sample…")
    sample = draw_samples(ds, settings, seed)
    ds = with_field_returns(ds, sample["household_id"], seed, settings)
    data_dir = ds.save(Path(out) / "data")
    echo(format_summary(ds))
    echo(f"正在模拟前 {DEMO_WEEKS} 周的整改进度… / simulating {DEMO_WEEKS} weeks of rectification…")
    build_demo_history(ds, data_dir, DEMO_WEEKS, seed, settings=settings)
    echo(f"数据集 / dataset: {data_dir}  （用时 {time.perf_counter() - t0:.1f} 秒）")
    echo("正在运行审计和生成报告… / running the audit and the reports…")
    return run_audit(data_dir, Path(out) / "run", workers=workers, seed=seed)
