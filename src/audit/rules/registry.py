"""The rule registry: each rule is one vectorised function plus its metadata.

A rule function takes a :class:`~audit.rules.context.Context` and returns an
:class:`Outcome`: for every row of its level (household, person or village) in
its scope, ``True`` (fails), ``False`` (passes) or ``<NA>`` (unknown: a value
the rule needs is missing). Adding a rule is adding one decorated function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "GROUPS",
    "RULES",
    "SEVERITIES",
    "Outcome",
    "Rule",
    "catalogue",
    "catalogue_markdown",
    "rule",
    "rule_order",
]

SEVERITIES = ("critical", "error", "warning")
SEVERITY_ZH = {"critical": "严重", "error": "错误", "warning": "提示"}
GROUPS = (
    "收入", "吃", "穿", "义务教育", "基本医疗", "住房安全", "饮水安全", "户籍", "兜底保障",
    "数据质量", "风险监测", "村级设施",
)  # fmt: skip
LEVELS = ("household", "person", "village")


@dataclass(frozen=True)
class Outcome:
    """What a rule found, aligned with the rows of its level.

    Parameters
    ----------
    fails : pandas.Series of boolean (nullable)
        One entry per row of the level's frame (households, members or villages):
        True fails, False passes, <NA> unknown.
    value : pandas.Series or callable, optional
        The offending value per row, shown in the finding; or a function of the
        positions of the failing rows returning their values (so that costly
        text is only built for the rows that fail).
    """

    fails: pd.Series
    value: pd.Series | Callable | None = None


@dataclass(frozen=True)
class Rule:
    """A rule and its metadata (census-rules.md)."""

    id: str
    name: str  # Chinese name
    message: str  # Chinese message template; "{value}" and settings keys like "{poverty_line}"
    severity: str
    group: str
    level: str
    fields: tuple[str, ...]
    source: str
    section: str
    unknown_is_finding: bool
    func: Callable = field(repr=False, compare=False)

    def __call__(self, ctx) -> Outcome:
        """Run the rule on a context."""
        return self.func(ctx)


RULES: dict[str, Rule] = {}
#: Order of rule families in census-rules.md, for catalogues and sorting.
FAMILY_ORDER = ("INC", "FOOD", "CLOTH", "EDU", "MED", "HOUSE", "WATER", "RISK", "SOC", "DIS",
                "ID", "HH", "CONS", "VIL")  # fmt: skip


def rule_order(rule_id: str) -> tuple[int, str]:
    """Sort key of a rule id in the order of census-rules.md."""
    family = rule_id.rsplit("-", 1)[0]
    return (FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER), rule_id)


def rule(
    id: str,
    name: str,
    message: str,
    *,
    severity: str,
    group: str,
    level: str,
    fields: tuple[str, ...],
    source: str,
    section: str,
    unknown_is_finding: bool = False,
):
    """Register the decorated function as a rule.

    Parameters
    ----------
    id : str
        Rule id, e.g. ``"HOUSE-01"``.
    name, message : str
        Chinese name and message template.
    severity : {"critical", "error", "warning"}
    group : str
        One of :data:`GROUPS`.
    level : {"household", "person", "village"}
    fields : tuple of str
        Columns the rule reads.
    source : str
        Where the rule comes from (policy document, standard).
    section : str
        Section of census-rules.md (A–E).
    unknown_is_finding : bool
        Census rules: a missing value gives an "unknown" finding, never a pass.
    """
    if severity not in SEVERITIES or group not in GROUPS or level not in LEVELS:
        raise ValueError(f"bad metadata for rule {id}")

    def register(func):
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        RULES[id] = Rule(id, name, message, severity, group, level, tuple(fields), source,
                         section, unknown_is_finding, func)  # fmt: skip
        return func

    return register


def catalogue() -> pd.DataFrame:
    """Return the catalogue of all rules as a frame with Chinese column names."""
    rows = [
        {
            "编号": r.id,
            "名称": r.name,
            "类别": r.group,
            "级别": SEVERITY_ZH[r.severity],
            "对象": {"household": "户", "person": "人", "village": "村"}[r.level],
            "缺失值": "记为待核实" if r.unknown_is_finding else "—",
            "读取字段": "、".join(r.fields),
            "依据": r.source,
            "章节": r.section,
        }
        for r in sorted(RULES.values(), key=lambda r: rule_order(r.id))
    ]
    return pd.DataFrame(rows)


def as_outcome(fails, value=None) -> Outcome:
    """Build an Outcome from a boolean-like Series (NaN/None become <NA>)."""
    fails = pd.Series(fails)
    if fails.dtype != "boolean":
        fails = fails.astype("boolean")
    return Outcome(fails, value)


def catalogue_markdown() -> str:
    """Return the catalogue as a Markdown table (for docs/rules.md)."""
    table = catalogue()
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "／") for v in row) + " |")
    return "\n".join(lines)
