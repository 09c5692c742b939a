"""Command ``audit simulate``: the census forecast and the risk of failing it (audit.simulate)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from audit.cli.main import friendly, load_settings_option, main, settings_option

__all__ = ["simulate"]


def _pace(data: Path, settings, echo):
    """Forecasts of the rectification ledger in DATA, when there is one (else None)."""
    from audit.errors import AuditError
    from audit.tracking import ledger_pace

    try:
        return ledger_pace(data, settings)
    except AuditError as exc:  # an unreadable ledger: assume the pace, and say so
        echo(f"整改台账无法读取，按假设进度模拟 / ledger unreadable, pace assumed: {exc}")
        return None


@main.command()
@click.argument("data", type=click.Path(exists=False, file_okay=False))
@click.option(
    "--out", type=click.Path(file_okay=False), required=True, help="输出文件夹 / output folder"
)
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=None,
    help="模拟次数（缺省为设置 simulation.runs）/ Monte Carlo runs",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="随机种子 / random seed")
@settings_option
@friendly
def simulate(data, out, runs, seed, settings_path):
    """模拟国家普查：预计发现的问题户、三率及超标风险、整改情景 / simulate the census."""
    from audit import rules
    from audit.dataset import load_dataset
    from audit.fsutil import guard_output, staging_dir
    from audit.report.context import _settings
    from audit.report.tables import fmt_int, fmt_pct
    from audit.runner.artifacts import draw_samples, sample_outcomes
    from audit.simulate import census

    t0 = time.perf_counter()
    guard_output(out, inputs=[data])
    ds = load_dataset(data, geometry=False)
    settings = load_settings_option(settings_path) if settings_path else _settings(ds)
    if seed is None:
        seed = int((ds.meta.get("generator") or {}).get("seed", 20240325))
    findings = rules.run(ds, settings)
    sample = sample_outcomes(draw_samples(ds, settings, seed), ds, settings)
    pace = _pace(Path(data), settings, click.echo)
    result = census(ds, findings, sample, runs, seed, settings=settings, pace=pace,
                    progress=True)  # fmt: skip
    with staging_dir(Path(out), inputs=[data]) as tmp:
        result.save(tmp)
    folder = Path(out).resolve()
    s = result.summary
    county = s[(s["level"] == "county") & (s["indicator"] == "ALL")].iloc[0]
    click.echo(
        f"预计普查发现不达标户 {fmt_int(county['expected'])} 户"
        f"（80%区间 {fmt_int(county['p10'])}–{fmt_int(county['p90'])}，"
        f"95%区间 {fmt_int(county['p2_5'])}–{fmt_int(county['p97_5'])}）"
    )
    m = result.metrics[result.metrics["level"] == "county"]
    for row in m.itertuples(index=False):
        if row.mean != row.mean:  # NaN: nothing to learn 漏评 from
            click.echo(f"{row.name}: 尚无一般农户入户核查结果，无法预测")
            continue
        click.echo(
            f"{row.name}: 预计 {fmt_pct(row.mean)}"
            f"（80%区间 {fmt_pct(row.p10)}–{fmt_pct(row.p90)}），"
            f"达到或超过 {fmt_pct(row.threshold, 0)} 的概率 {fmt_pct(row.p_breach, 0)}"
        )
    click.echo(f"模拟 {result.info['runs']} 次，种子 {seed}；结果在 / results in: {folder}")
    click.echo(f"用时 / took {time.perf_counter() - t0:.1f} 秒")
