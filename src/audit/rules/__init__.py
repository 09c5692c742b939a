"""The rule engine: census indicators, 漏评 identification, risk, data quality, village hardware.

Every rule of ``shared/reference/census-rules.md`` is one small vectorised
function with its metadata (:mod:`audit.rules.registry`), grouped in modules by
concern. :func:`run` applies them to a Dataset and returns the findings.

Examples
--------
>>> from audit import synth, rules
>>> findings = rules.run(synth.generate(scale=0.05))  # doctest: +SKIP
"""

from audit.rules import (  # noqa: F401  (importing the modules registers their rules)
    census,
    census_records,
    consistency,
    household,
    identity,
    risk,
    village,
)
from audit.rules.actions import ACTIONS, action_plans, action_totals
from audit.rules.census import CENSUS_INDICATORS, census_view, indicators
from audit.rules.engine import FINDING_COLUMNS, edit_statistics, run
from audit.rules.identification import judge_visits
from audit.rules.registry import RULES, Rule, catalogue
from audit.rules.status import four_checks, household_status, quality_scores

__all__ = [
    "ACTIONS",
    "CENSUS_INDICATORS",
    "FINDING_COLUMNS",
    "RULES",
    "Rule",
    "action_plans",
    "action_totals",
    "catalogue",
    "census_view",
    "edit_statistics",
    "four_checks",
    "household_status",
    "indicators",
    "judge_visits",
    "quality_scores",
    "run",
]
