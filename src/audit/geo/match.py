"""Match boundary features to the Dataset's villages: by 12-digit code, else by name.

Order of attempts for every feature (each feature is matched at most once):

1. **code** -- the feature's village code is one of the Dataset's 12-digit codes. Codes
   written as numbers (``620523101001.0``) and 19-digit land-survey codes (``坐落单位代码``,
   12 digits followed by ``0000000``) are normalised first.
2. **name** -- the exact village name within the feature's township (township given as a
   9-digit code or an exact township name; without a township column, the first nine
   digits of an unknown 12-digit code, else the whole county).
3. **short name** -- the same with the usual suffixes removed on both sides
   (``康庄村民委员会`` = ``康庄村`` = ``康庄``), again only where unique.

A name match is accepted only when the name is unique among the Dataset's villages of
that township (or county). Features matching the same village are merged into one
(Multi)Polygon and reported; nothing is dropped without a line in the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CODE_COLUMNS", "NAME_COLUMNS", "TOWNSHIP_COLUMNS", "find_column", "match_features"]

#: Header candidates (compared case-insensitively), in order of preference.
CODE_COLUMNS = (
    "village_code", "村代码", "村级代码", "行政村代码", "村编码", "区划代码", "行政区划代码",
    "统计用区划代码", "code", "adcode", "village_co", "vill_code", "cun_dm", "cundm", "xzqdm",
    "zldwdm", "dm",
)  # fmt: skip
NAME_COLUMNS = (
    "name", "village_name", "village_na", "village", "村名", "村名称", "村庄名称", "行政村",
    "行政村名称", "村委会", "村", "名称", "cun_mc", "cunmc", "xzqmc", "zldwmc", "mc",
)  # fmt: skip
TOWNSHIP_COLUMNS = (
    "township_code", "township_", "township", "township_name", "town", "乡镇", "乡镇名称", "乡镇名",
    "所属乡镇", "乡镇代码", "乡镇街道", "镇", "乡", "xzmc", "xiang_mc", "xiangmc", "xzdm",
)  # fmt: skip

#: Suffixes removed for the short-name match, longest first.
_SUFFIXES = (
    "社区居民委员会",
    "村民委员会",
    "居民委员会",
    "社区居委会",
    "居委会",
    "村委会",
    "社区",
    "村",
)


def find_column(columns, candidates, given: str | None = None) -> str | None:
    """Return the column among ``columns`` named like one of ``candidates``.

    Parameters
    ----------
    columns : iterable of str
        The headers of the file.
    candidates : sequence of str
        Accepted headers, in order of preference (compared case-insensitively,
        surrounding spaces ignored).
    given : str, optional
        A header chosen by the user; returned if present, else None.

    Returns
    -------
    str or None
        The header as spelled in ``columns``.
    """
    columns = [str(c) for c in columns]
    if given is not None:
        return given if given in columns else None
    folded = {c.strip().casefold(): c for c in reversed(columns)}
    for candidate in candidates:
        if candidate.casefold() in folded:
            return folded[candidate.casefold()]
    return None


def normalise_codes(values: pd.Series) -> pd.Series:
    """Return 12-digit village codes (or NA) from codes as typed in a boundary file."""
    text = values.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    survey = text.str.fullmatch(r"\d{12}0{7}").fillna(False).astype(bool)
    text = text.where(~survey, text.str[:12])
    return text.where(text.str.fullmatch(r"\d{12}").fillna(False).astype(bool))


def _clean(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.replace(r"\s+", "", regex=True)


def short_name(names: pd.Series) -> pd.Series:
    """Remove the usual village-committee suffixes (``村民委员会``, ``社区``, ``村`` …)."""
    pattern = "(?:" + "|".join(_SUFFIXES) + ")$"
    out = _clean(names).str.replace(pattern, "", regex=True)
    return out.where(out.str.len() > 0)


def _resolve_townships(values: pd.Series, townships: pd.DataFrame) -> pd.Series:
    """Map township codes or names as typed to 9-digit township codes (NA if unknown)."""
    text = _clean(values).str.replace(r"\.0+$", "", regex=True)
    codes = set(townships["township_code"].astype(str))
    by_code = text.str[:9].where(text.str.fullmatch(r"\d{9}(\d{3})?").fillna(False).astype(bool))
    by_code = by_code.where(by_code.isin(codes))
    names = townships.assign(key=_clean(townships["name"]))
    unique = names.drop_duplicates("key", keep=False).set_index("key")["township_code"]
    by_name = text.map(unique.astype(str).to_dict())
    return by_code.fillna(by_name.astype("string"))


def _name_match(features, villages, key_fn, method: str) -> pd.DataFrame:
    """Match unmatched features to villages on (township, key_fn(name)), unique keys only."""
    vil = villages.assign(key=key_fn(villages["name"]))
    feat = features.assign(key=key_fn(features["name_raw"])).dropna(subset=["key"])
    frames = []
    for scoped in (True, False):
        f = feat[feat["township"].notna() if scoped else feat["township"].isna()]
        on = ["township_code", "key"] if scoped else ["key"]
        v = vil.drop_duplicates(on, keep=False)
        f = f.rename(columns={"township": "township_code"}) if scoped else f
        hit = f.merge(v[[*on, "village_code"]], on=on, how="inner")
        frames.append(hit[["feature", "village_code"]])
    out = pd.concat(frames, ignore_index=True)
    return out.assign(method=method)


def match_features(
    features: pd.DataFrame, villages: pd.DataFrame, townships: pd.DataFrame
) -> pd.DataFrame:
    """Assign a village code to each feature that can be matched.

    Parameters
    ----------
    features : DataFrame
        Columns ``feature`` (row number in the file), ``code_raw``, ``name_raw``,
        ``town_raw`` (any may be all-NA) and ``usable`` (the feature has a polygon).
    villages : DataFrame
        The Dataset's villages: ``village_code``, ``township_code``, ``name``.
    townships : DataFrame
        The Dataset's townships: ``township_code``, ``name``.

    Returns
    -------
    DataFrame
        One row per matched feature: ``feature``, ``village_code``, ``method``
        (``代码``, ``名称``, ``简称``).
    """
    features = features[features["usable"]].copy()
    codes = normalise_codes(features["code_raw"])
    known = codes.isin(set(villages["village_code"].astype(str)))
    by_code = features.loc[known, ["feature"]].assign(
        village_code=codes[known].astype(str), method="代码"
    )
    rest = features[~known].copy()
    town = _resolve_townships(rest["town_raw"], townships)
    from_code = codes[~known].str[:9]
    from_code = from_code.where(from_code.isin(set(townships["township_code"].astype(str))))
    rest["township"] = town.fillna(from_code)
    vil = villages[["village_code", "township_code", "name"]].astype(
        {"village_code": str, "township_code": str}
    )
    exact = _name_match(rest, vil, _clean, "名称")
    rest = rest[~rest["feature"].isin(exact["feature"])]
    short = _name_match(rest, vil, short_name, "简称")
    out = pd.concat([by_code, exact, short], ignore_index=True)
    return out.sort_values("feature", kind="stable").reset_index(drop=True)


def feature_reasons(features: pd.DataFrame, matched: pd.DataFrame) -> pd.Series:
    """Explain, in Chinese, why each unmatched feature has no village."""
    reason = pd.Series("代码和名称均未匹配到村", index=features.index, dtype=object)
    has_code = features["code_raw"].notna().to_numpy()
    reason[has_code] = "代码不在本县村名单中，名称也未匹配"
    reason[features["name_raw"].isna().to_numpy() & ~has_code] = "无代码也无名称"
    reason[~features["usable"].to_numpy()] = features.loc[~features["usable"], "geom_problem"]
    return reason.where(~np.isin(features["feature"], matched["feature"]))
