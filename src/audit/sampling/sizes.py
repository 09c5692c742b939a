"""Default sample sizes derived from the settings in force.

The non-registered sample size is a setting (``census.nonregistered_sample``, the
census's "at least 2,024"). The exited sample is sized to tell the 错退率 from
its threshold: Cochran's size for ``p`` = the threshold and a margin of half the
threshold (2 % ± 1 % at 95 % gives 753 before the finite-population correction;
Cochran 1977 §4.4), see :func:`audit.stats.sample_size_proportion`.
"""

from __future__ import annotations

from audit.stats.sample_size import sample_size_proportion

__all__ = ["exited_sample_size", "size_table"]


def exited_sample_size(population: int, settings=None) -> int:
    """Households of the exited (已脱贫) sample for a frame of ``population`` households.

    Parameters
    ----------
    population : int
        Exited households in the frame.
    settings : Settings, optional
        Reads ``thresholds.wrong_exit_rate_max`` and ``census.confidence``.

    Returns
    -------
    int
        At most ``population``; 0 for an empty frame.
    """
    if population <= 0:
        return 0
    if settings is None:
        from audit.settings import load_settings

        settings = load_settings()
    p = settings.thresholds.wrong_exit_rate_max
    return sample_size_proportion(
        p, p / 2.0, confidence=settings.census.confidence, population=int(population)
    )


def size_table(populations: dict, settings=None, deffs=(1.0, 1.5, 2.0)):
    """Sample sizes for each metric's threshold ± half of it, by design effect.

    Parameters
    ----------
    populations : dict
        Frame sizes: ``{"一般农户": N1, "已脱贫": N2}``.
    settings : Settings, optional
        Thresholds and confidence (the defaults when None).
    deffs : sequence of float
        Design effects to tabulate (1 for stratified SRS; more for two-stage).

    Returns
    -------
    DataFrame
        One row per (frame, deff): anticipated rate, margin, sample size.
    """
    import pandas as pd

    if settings is None:
        from audit.settings import load_settings

        settings = load_settings()
    thr = settings.thresholds
    rates = {"一般农户": thr.missed_poor_rate_max, "已脱贫": thr.wrong_exit_rate_max}
    rows = []
    for frame, n_pop in populations.items():  # two frames × a few design effects
        p = rates[frame]
        for deff in deffs:
            n = sample_size_proportion(
                p, p / 2.0, settings.census.confidence, population=int(n_pop), deff=deff
            )
            rows.append(
                {
                    "frame": frame,
                    "population": int(n_pop),
                    "rate": p,
                    "margin": p / 2.0,
                    "deff": deff,
                    "sample_size": n,
                }
            )
    return pd.DataFrame(rows)
