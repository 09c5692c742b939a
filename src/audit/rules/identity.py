"""Identity checks of the household registry (census-rules.md §D, ID-01..05).

Source: GB 11643-1999 (citizen ID number: structure, ISO 7064 MOD 11-2 check
character); the registry's 疑点 lists (duplicates, missing 户籍).
"""

from __future__ import annotations

import pandas as pd

from audit.idnumber import is_valid
from audit.rules.registry import as_outcome, rule

__all__ = ["float_mangled"]

SOURCE_ID = "GB 11643-1999 公民身份号码"
_FLOAT = r"\d(\.\d+)?[Ee]\+?\d+"


def float_mangled(ids: pd.Series, valid: pd.Series | None = None) -> pd.Series:
    """True where an ID was stored by a spreadsheet as a float (``6.2052E+17``, or zeroed tail).

    A number of 18 digits ending in ``000`` whose check character is wrong is
    what a spreadsheet leaves after keeping 15 significant digits: it cannot be
    repaired and must be re-entered.
    """
    ids = ids.astype("str")
    sci = ids.str.fullmatch(_FLOAT).fillna(False)
    valid = is_valid(ids) if valid is None else valid
    zeroed = ids.str.fullmatch(r"\d{15}000").fillna(False) & ~valid
    return (sci | zeroed).astype(bool)


def _ids(ctx) -> pd.Series:
    return ctx.members["person_id"]


def _valid(ctx) -> pd.Series:
    return ctx.valid_ids


def _mangled(ctx) -> pd.Series:
    cache = ctx.__dict__.get("_mangled_ids")
    if cache is None:
        cache = ctx.__dict__["_mangled_ids"] = float_mangled(_ids(ctx), ctx.valid_ids)
    return cache


@rule("ID-01", "身份证号码无效", "身份证号码{value}无效（位数、出生日期或校验码错误）",
      severity="error", group="数据质量", level="person", section="D", source=SOURCE_ID,
      fields=("person_id",))  # fmt: skip
def invalid_id(ctx):
    """Not 18 characters, a bad date, or a wrong check character (float-mangled: ID-05)."""
    ids = _ids(ctx)
    fails = ~_valid(ctx) & ~_mangled(ctx)
    return as_outcome(pd.Series(fails), ids)


@rule("ID-02", "身份证与性别/出生日期不符", "身份证号码与登记的{value}不符", severity="error",
      group="数据质量", level="person", section="D", source=SOURCE_ID,
      fields=("person_id", "sex", "birth_date"))  # fmt: skip
def id_mismatch(ctx):
    """Sex parity or birth date in the number disagrees with the recorded fields."""
    m, parts = ctx.members, ctx.id_parts
    sex_bad = (parts["sex"] != m["sex"].astype("str")) & m["sex"].notna()
    date_bad = (parts["birth_date"] != m["birth_date"]) & m["birth_date"].notna()
    fails = (sex_bad | date_bad) & _valid(ctx)
    what = (
        pd.Series("性别", index=m.index)
        .mask(date_bad, "出生日期")
        .mask(sex_bad & date_bad, "性别和出生日期")
    )
    return as_outcome(fails, what)


@rule("ID-03", "人员重复", "身份证号码{value}在多户或同户中重复出现", severity="error",
      group="数据质量", level="person", section="D", source="建档立卡数据质量疑点",
      fields=("person_id",))  # fmt: skip
def duplicate_person(ctx):
    """The same ID number in two households, or twice in one (across all loaded data)."""
    ids = _ids(ctx)
    fails = ids.duplicated(keep=False) & ids.notna()
    return as_outcome(fails, ids)


@rule("ID-04", "无户籍人员", "无户籍，需办理落户登记", severity="error", group="户籍",
      level="person", section="D", source="户籍管理（建档立卡信息与户籍一致）",
      fields=("hukou_registered",))  # fmt: skip
def no_hukou(ctx):
    """A member has no household registration (户籍)."""
    return as_outcome(~ctx.members["hukou_registered"].astype("boolean"))


@rule("ID-05", "身份证号精度丢失", "身份证号码{value}被表格软件存为数值，末位丢失，须重新录入",
      severity="error", group="数据质量", level="person", section="D", source=SOURCE_ID,
      fields=("person_id",))  # fmt: skip
def mangled_id(ctx):
    """The number was stored by a spreadsheet as a float: unrecoverable."""
    ids = _ids(ctx)
    return as_outcome(_mangled(ctx), ids)
