"""Sampling: frames, reproducible and extensible draws, sample sizes, visit lists.

- :mod:`~audit.sampling.frames`: the non-registered (一般农户) and exited (已脱贫)
  frames from a Dataset, and population counts.
- :mod:`~audit.sampling.prn`: permanent random numbers (Ohlsson 1995).
- :mod:`~audit.sampling.allocation`: proportional, Neyman and equal allocation
  (Webster rounding, house-monotone).
- :mod:`~audit.sampling.draw`: stratified SRS and two-stage PPS (sequential
  Poisson) designs; :func:`draw` is the contract of DESIGN.md.
- :mod:`~audit.sampling.sizes`: default sizes from the settings.
- :mod:`~audit.sampling.visit_list`: the 入户核查名单 workbooks.
"""

from audit.sampling.allocation import ALLOCATIONS, allocate
from audit.sampling.draw import DESIGNS, SAMPLE_COLUMNS, design_summary, draw
from audit.sampling.frames import (
    FRAME_COLUMNS,
    exited_frame,
    household_frame,
    nonregistered_frame,
    population_counts,
)
from audit.sampling.prn import permanent_random_numbers
from audit.sampling.sizes import exited_sample_size, size_table
from audit.sampling.visit_list import visit_list_frame, write_visit_list, write_visit_lists

__all__ = [
    "ALLOCATIONS",
    "DESIGNS",
    "FRAME_COLUMNS",
    "SAMPLE_COLUMNS",
    "allocate",
    "design_summary",
    "draw",
    "exited_frame",
    "exited_sample_size",
    "household_frame",
    "nonregistered_frame",
    "permanent_random_numbers",
    "population_counts",
    "size_table",
    "visit_list_frame",
    "write_visit_list",
    "write_visit_lists",
]
