"""How well a door-to-door visit sees each census indicator, and what an inspection finds.

A cadre's visit is not the census: it misses some real problems and reports
some that are not there. The simulation corrects the rates it estimates from
visits for both errors (the misclassification correction of Rogan & Gladen
1978, *Am J Epidemiol* 107:71–76, applied to each posterior draw as in Joseph,
Gyorkos & Coupal 1995, *Am J Epidemiol* 141:263–272), with the visit's
sensitivity and false-alarm rate set per indicator by how the indicator is
checked at the door:

==================  =============================================  ========  ===========
indicator           checked by                                     missed    false alarm
==================  =============================================  ========  ===========
INC-01              income reckoned with the family                *m*       *f*
FOOD-01, CLOTH-01   the cadre's judgement                          *m*       *f*
HOUSE-01, HOUSE-02  the cadre's judgement (house, who lives in)    *m*       *f*
EDU-01              each child against the school roll             *m*       0
MED-01              each person against the 医保 list               *i*       0
WATER-01..04        measured or documented (litres, test report,   0         0
                    minutes timed, days short)
==================  =============================================  ========  ===========

with *m* = ``simulation.visit_miss_rate`` (1 − sensitivity), *f* =
``simulation.visit_false_alarm_rate`` and *i* = ``simulation.insurance_miss_rate``.
The rates are settings (``[simulation]``); a county that re-checks a share of
its cadres' visits (复核) should set them from that re-check. :func:`correct`
turns an observed rate into a true one; :func:`posterior_given_visit` gives a
visited household's chance of truly failing from what the cadre saw (Bayes'
rule with the visit's sensitivity and false-alarm rate).

:func:`detection_probability` is the exact hypergeometric chance that a random
inspection finds none of the bad households (Feller 1968, *An Introduction to
Probability Theory and Its Applications*, vol. 1, §II.6; the "discovery
sampling" tables of audit practice).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from audit.rules.census import CENSUS_INDICATORS
from audit.simulate.frames import VISIT_STATES

__all__ = [
    "CHECKED_BY",
    "correct",
    "detection_probability",
    "posterior_given_visit",
    "visit_errors",
]

#: indicator → how a visit checks it: "judged", "listed" (per person against a list), "measured".
CHECKED_BY = {
    "INC-01": "judged",
    "FOOD-01": "judged",
    "CLOTH-01": "judged",
    "EDU-01": "listed",
    "MED-01": "listed",
    "HOUSE-01": "judged",
    "HOUSE-02": "judged",
    "WATER-01": "measured",
    "WATER-02": "measured",
    "WATER-03": "measured",
    "WATER-04": "measured",
}


def visit_errors(settings) -> tuple[np.ndarray, np.ndarray]:
    """Return the visit's sensitivity and false-alarm rate per census indicator.

    Parameters
    ----------
    settings : Settings
        Reads ``simulation.visit_miss_rate``, ``simulation.visit_false_alarm_rate``
        and ``simulation.insurance_miss_rate``.

    Returns
    -------
    sensitivity, false_alarm : ndarray
        Aligned with :data:`audit.rules.CENSUS_INDICATORS`.

    Raises
    ------
    SettingsError
        When a rate is outside [0, 0.5) (a visit that misses or invents half of
        what it sees is no check), or ``on_pace_share`` outside [0, 1].
    """
    from audit.errors import SettingsError

    sim = settings.simulation
    for key in ("visit_miss_rate", "visit_false_alarm_rate", "insurance_miss_rate",
                "on_pace_share"):  # fmt: skip
        value = getattr(sim, key)
        top = 1.0 if key == "on_pace_share" else 0.5
        if not 0.0 <= value <= 1.0 or (top < 1.0 and value >= top):
            raise SettingsError(
                f"设置项「simulation.{key}」的值 {value} 无效（应在 0 与 {top:g} 之间）",
                f"setting simulation.{key} = {value} is out of range",
                parameter=f"simulation.{key}",
            )
    sens, fa = [], []
    for rule_id in CENSUS_INDICATORS:
        how = CHECKED_BY[rule_id]
        if how == "judged":
            sens.append(1.0 - sim.visit_miss_rate)
            fa.append(sim.visit_false_alarm_rate)
        elif how == "listed":
            miss = sim.insurance_miss_rate if rule_id == "MED-01" else sim.visit_miss_rate
            sens.append(1.0 - miss)
            fa.append(0.0)
        else:
            sens.append(1.0)
            fa.append(0.0)
    return np.array(sens), np.array(fa)


def detection_probability(population, defects, sample):
    """Chance that a random inspection of ``sample`` households finds no bad one.

    Drawing ``sample`` households without replacement from ``population`` of
    which ``defects`` are bad, the number found is hypergeometric; the chance of
    finding none is ``C(N − D, n) / C(N, n)``, computed exactly with log-gamma.

    Parameters
    ----------
    population, defects, sample : int or array-like of int
        ``N`` households, ``D`` of them bad, ``n`` inspected (``0 ≤ D, n ≤ N``).

    Returns
    -------
    float or ndarray
        The probability that the inspection finds none of them.

    Raises
    ------
    ValueError
        When a count is negative, not whole, or larger than the population.

    Examples
    --------
    >>> round(detection_probability(1000, 20, 59), 4)
    0.2928
    >>> detection_probability(1000, 0, 59)
    1.0
    """
    n_pop, d, n = (np.asarray(v, dtype=float) for v in (population, defects, sample))
    for name, v in (("population", n_pop), ("defects", d), ("sample", n)):
        if np.any(v < 0) or np.any(v != np.floor(v)):
            raise ValueError(f"{name} must be a non-negative whole number")
    if np.any(d > n_pop) or np.any(n > n_pop):
        raise ValueError("defects and sample cannot exceed the population")
    good = n_pop - d
    with np.errstate(invalid="ignore"):
        log_p = (special.gammaln(good + 1) - special.gammaln(np.maximum(good - n, 0) + 1)
                 - special.gammaln(n_pop + 1) + special.gammaln(n_pop - n + 1))  # fmt: skip
    p = np.where(n > good, 0.0, np.exp(log_p))
    p = np.where(d == 0, 1.0, p)
    return float(p) if p.ndim == 0 else p


def correct(theta, sens, fa):
    """Rogan–Gladen correction of an observed rate for the visit's errors, clipped to [0, 1]."""
    return np.clip((theta - fa) / (sens - fa), 0.0, 1.0)


def posterior_given_visit(pi, visit, sens, fa):
    """Chance a household truly fails given its prior ``pi`` and what the visit saw.

    Parameters
    ----------
    pi : ndarray
        Prior chance of failing (from the household's recorded state).
    visit : ndarray of int
        :data:`~audit.simulate.frames.VISIT_STATES` (broadcast against ``pi``).
    sens, fa : float or ndarray
        The visit's sensitivity and false-alarm rate.

    Returns
    -------
    ndarray
        ``π σ / (π σ + (1 − π) α)`` when seen failing, ``π (1 − σ) / (π (1 − σ) +
        (1 − π)(1 − α))`` when seen passing, ``π`` otherwise.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        seen_fail = pi * sens / (pi * sens + (1.0 - pi) * fa)
        seen_pass = pi * (1.0 - sens) / (pi * (1.0 - sens) + (1.0 - pi) * (1.0 - fa))
    out = np.where(visit == VISIT_STATES["fail"], seen_fail,
                   np.where(visit == VISIT_STATES["pass"], seen_pass, pi))  # fmt: skip
    return np.nan_to_num(out, nan=0.0)
