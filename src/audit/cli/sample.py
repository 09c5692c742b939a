"""Command ``audit sample``: draw the non-registered (and exited) samples and the visit lists."""

from __future__ import annotations

import time

import click

from audit.cli.main import friendly, load_settings_option, main, settings_option

__all__ = ["sample"]


@main.command()
@click.argument("data", type=click.Path(exists=False, file_okay=False))
@click.option(
    "--out", type=click.Path(file_okay=False), required=True, help="输出文件夹 / output folder"
)
@click.option(
    "--size",
    type=click.IntRange(min=1),
    default=None,
    help="一般农户样本户数（缺省为设置 census.nonregistered_sample）/ non-registered households",
)
@click.option(
    "--exited-size",
    type=click.IntRange(min=0),
    default=None,
    help="已脱贫户样本户数（缺省按错退率阈值±一半计算；0 为不抽）/ exited households (0: none)",
)
@click.option(
    "--design",
    type=click.Choice(["stratified", "two-stage"]),
    default=None,
    help="抽样设计（缺省为设置 census.sample_design）/ sample design",
)
@click.option(
    "--allocation",
    type=click.Choice(["proportional", "neyman", "equal"]),
    default="proportional",
    show_default=True,
    help="各乡镇样本分配 / allocation to townships",
)
@click.option(
    "--households-per-village",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="两阶段抽样时每村抽取户数 / households per sampled village (two-stage)",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="随机种子 / random seed")
@click.option(
    "--mask/--no-mask",
    default=False,
    show_default=True,
    help="核查名单中隐去姓名和身份证号 / mask names and ID numbers in the visit lists",
)
@settings_option
@friendly
def sample(
    data,
    out,
    size,
    exited_size,
    design,
    allocation,
    households_per_village,
    seed,
    mask,
    settings_path,
):
    """抽取一般农户（及已脱贫户）样本并生成各乡镇入户核查名单 / draw the samples and visit lists."""
    import pandas as pd

    from audit import InputError, load_dataset
    from audit.fsutil import guard_output, staging_dir, write_json
    from audit.sampling import (
        draw,
        exited_frame,
        exited_sample_size,
        nonregistered_frame,
        write_visit_lists,
    )
    from audit.sampling.draw import design_summary
    from audit.synth import DEFAULT_SEED

    t0 = time.perf_counter()
    settings = load_settings_option(settings_path)
    seed = DEFAULT_SEED if seed is None else seed
    size = settings.census.nonregistered_sample if size is None else size
    design = settings.census.sample_design if design is None else design
    ds = load_dataset(data, geometry=False)
    out = guard_output(out, inputs=[data])
    frames = {"一般农户": nonregistered_frame(ds), "已脱贫": exited_frame(ds)}
    if exited_size is None:
        exited_size = exited_sample_size(len(frames["已脱贫"]), settings)
    sizes = {"一般农户": size, "已脱贫": exited_size}
    parts, summaries = [], []
    for label, frame in frames.items():  # the two frames
        if sizes[label] == 0 or frame.empty:
            continue
        s = draw(
            frame,
            sizes[label],
            seed,
            design=design,
            allocation=allocation,
            households_per_village=households_per_village,
        )
        parts.append(s)
        table = design_summary(s, frame).reset_index()
        table.insert(0, "status", label)
        summaries.append(table)
    if not parts:
        raise InputError(
            "数据集中没有可抽样的一般农户或已脱贫户",
            "the dataset holds no non-registered or exited household to sample",
            file=str(data),
        )
    drawn = pd.concat(parts, ignore_index=True)
    summary = pd.concat(summaries, ignore_index=True)
    meta = {
        "seed": seed,
        "design": design,
        "allocation": allocation,
        "households_per_village": households_per_village if design == "two-stage" else None,
        "requested": sizes,
        "drawn": drawn.groupby("status").size().to_dict(),
        "frames": {k: len(v) for k, v in frames.items()},
        "dataset_fingerprint": ds.meta.get("fingerprint"),
        "settings": settings.to_dict()["census"],
        "method": "permanent random numbers (Ohlsson 1995); stratified SRSWOR / two-stage PPS "
        "by sequential Poisson sampling (Ohlsson 1998); Webster allocation",
    }
    with staging_dir(out, inputs=[data]) as tmp:
        drawn.to_parquet(tmp / "sample.parquet", index=False)
        summary.to_csv(tmp / "design_summary.csv", index=False, encoding="utf-8-sig")
        write_json(tmp / "design.json", meta)
        lists = write_visit_lists(drawn, ds, tmp, mask=mask)
    click.echo(f"抽样设计 / design: {design}（{allocation}），随机种子 / seed {seed}")
    for label, n in meta["drawn"].items():
        click.echo(f"  {label}: 抽取 {n} 户 / 抽样框 {meta['frames'][label]} 户")
    click.echo(f"样本 / sample: {out / 'sample.parquet'}")
    click.echo(f"入户核查名单 / visit lists: {len(lists)} 个乡镇，位于 {out / 'townships'}")
    click.echo(f"用时 {time.perf_counter() - t0:.1f} 秒")
