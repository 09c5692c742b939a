"""Census simulation: what the census will find, and the risk of failing it.

The county knows the record of every household and, for the households its
cadres visited, what they saw. :func:`census` turns that into a forecast:

- :mod:`~audit.simulate.model`: the discrepancy model, fitted on visits only
  (hidden failures, fixed failures, 漏评 per village; shrunk, corrected for the
  visit's errors, drawn from the posterior in every run);
- :mod:`~audit.simulate.census`: the Monte Carlo census over cells of
  exchangeable households (:mod:`~audit.simulate.cells`), with the census's own
  sample of 一般农户 (:mod:`~audit.simulate.census_sample`);
- :mod:`~audit.simulate.scenarios`: planned fixes (一户一策 done, done at the
  current pace, extra visits) applied to the same runs;
- :mod:`~audit.simulate.result`: expected failing households with 80 % and
  95 % prediction intervals per village, township and county and indicator,
  the three rates as the census would measure them and the chance of breaching
  each threshold;
- :func:`detection_probability`: the chance a random inspection finds none.

Examples
--------
>>> from audit.simulate import detection_probability
>>> round(detection_probability(1000, 20, 59), 4)
0.2928
"""

from audit.simulate.census import census
from audit.simulate.detection import CHECKED_BY, detection_probability, visit_errors
from audit.simulate.model import DiscrepancyModel, discrepancy_model, fit_model
from audit.simulate.result import FILES, SimulationResult, load_simulation
from audit.simulate.scenarios import SCENARIOS, pace_shares

__all__ = [
    "CHECKED_BY",
    "FILES",
    "SCENARIOS",
    "DiscrepancyModel",
    "SimulationResult",
    "census",
    "detection_probability",
    "discrepancy_model",
    "fit_model",
    "load_simulation",
    "pace_shares",
    "visit_errors",
]
