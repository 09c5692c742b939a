"""Survey statistics: sample sizes, intervals, design-based estimation, shrinkage, 三率一度.

Modules (each cites its method):

- :mod:`~audit.stats.sample_size`: Cochran sample size for a proportion; audit
  attribute-sampling sizes.
- :mod:`~audit.stats.intervals`: Wilson, Clopper–Pearson and Korn–Graubard
  intervals; the attribute-sampling upper error limit.
- :mod:`~audit.stats.taylor`: means, totals, proportions and ratios under
  stratified and clustered designs by Taylor linearisation (R survey conventions);
  :mod:`~audit.stats.design` holds the design structure and its variance.
- :mod:`~audit.stats.shrinkage`: empirical-Bayes beta-binomial village rates.
- :mod:`~audit.stats.exit_metrics`: 错退率, 漏评率, 综合贫困发生率 and 群众认可度 with
  intervals and verdicts.
"""

from audit.stats._checks import ParameterError
from audit.stats.design import Design
from audit.stats.exit_metrics import METRICS, VERDICTS, exit_metrics, verdict
from audit.stats.intervals import korn_graubard_ci, proportion_ci, upper_error_limit
from audit.stats.sample_size import attribute_sample_size, sample_size_proportion
from audit.stats.shrinkage import fit_beta_prior, shrink_rates
from audit.stats.taylor import Estimate, estimate

__all__ = [
    "METRICS",
    "VERDICTS",
    "Design",
    "Estimate",
    "ParameterError",
    "attribute_sample_size",
    "estimate",
    "exit_metrics",
    "fit_beta_prior",
    "korn_graubard_ci",
    "proportion_ci",
    "sample_size_proportion",
    "shrink_rates",
    "upper_error_limit",
    "verdict",
]
