"""Places: township and village names or codes → official division codes.

Exports name places rather than coding them (乡(镇) 新兴镇, 行政村 张家窑村), and
name them more loosely than the official list (张家窑村民委员会). Names are
compared by a *key*: NFKC-folded, spaces removed, and the administrative suffix
dropped (村民委员会, 居民委员会, 村委会, 社区, 村 for villages; 镇, 乡, 街道 for
townships). A village name shared by two townships (甘谷县 has three such pairs)
needs its township to be resolved. Codes (12 digits for villages, 9 for
townships) are looked up directly.

The reference is the county's official divisions (:func:`audit.reference.load_reference`)
or, when returns are added to an existing Dataset, that Dataset's own villages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Divisions", "place_key"]

_VILLAGE_SUFFIX = re.compile(r"(村民委员会|社区居民委员会|居民委员会|村委会|居委会|社区|村)$")
_TOWNSHIP_SUFFIX = re.compile(r"(人民政府|街道办事处|街道|镇|乡)$")
_COUNTY_SUFFIX = re.compile(r"(人民政府|县|区|市|旗)$")
_SPACE = re.compile(r"[\s\u200b\ufeff]+")


def place_key(name, level: str = "village") -> str:
    """Return the comparison key of a place name.

    Examples
    --------
    >>> place_key("张家窑村民委员会"), place_key(" 张家窑村 "), place_key("新兴镇", "township")
    ('张家窑', '张家窑', '新兴')
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return ""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", str(name)))
    pattern = {"village": _VILLAGE_SUFFIX, "township": _TOWNSHIP_SUFFIX}.get(level, _COUNTY_SUFFIX)
    for _ in range(2):  # 刘家村村民委员会 → 刘家村 → 刘家
        shorter = pattern.sub("", text)
        if not shorter or shorter == text:
            break
        text = shorter
    return text


_CANONICAL = (
    (re.compile(r"(村民委员会|村委会)$"), "村"),
    (re.compile(r"(社区居民委员会|居民委员会|居委会)$"), "社区"),
)


def _village_keys(name) -> tuple[str, str, str]:
    """Keys of a village name, strictest first: full name, 村/社区 form, bare name."""
    full = _SPACE.sub("", unicodedata.normalize("NFKC", str(name)))
    canonical = full
    for pattern, short in _CANONICAL:
        canonical = pattern.sub(short, canonical)
    return full, canonical, place_key(full)


@dataclass
class Divisions:
    """Official townships and villages of one county, for resolving places.

    Attributes
    ----------
    county_code, county_name : str
    townships : DataFrame
        ``township_code, name`` (and ``lon, lat`` when known).
    villages : DataFrame
        ``village_code, name, township_code, urban_rural_code``.
    """

    county_code: str
    county_name: str
    townships: pd.DataFrame
    villages: pd.DataFrame

    @classmethod
    def from_reference(cls, county: str = "gangu", county_code=None, county_name=None):
        """Return the official divisions shipped in ``data/reference/<county>``."""
        from audit.reference import load_reference

        ref = load_reference(county)
        code = county_code or str(ref.villages["village_code"].iloc[0])[:6]
        return cls(code, county_name or "", ref.townships, ref.villages)

    @classmethod
    def from_dataset(cls, ds):
        """Return the townships and villages of an existing Dataset."""
        return cls(
            str(ds.meta.get("county_code") or ""),
            str(ds.meta.get("county_name") or ""),
            ds.townships,
            ds.villages,
        )

    def __post_init__(self) -> None:
        v = self.villages
        self._village_township = dict(
            zip(v["village_code"].astype(str), v["township_code"].astype(str), strict=True)
        )
        self._village_keys: list[dict[str, list[str]]] = [{}, {}, {}]
        for code, name in zip(v["village_code"].astype(str), v["name"], strict=True):
            for level, key in enumerate(_village_keys(name)):
                self._village_keys[level].setdefault(key, []).append(code)
        t = self.townships
        self._townships = set(t["township_code"].astype(str))
        self._township_keys: dict[str, list[str]] = {}
        for code, name in zip(t["township_code"].astype(str), t["name"], strict=True):
            self._township_keys.setdefault(place_key(name, "township"), []).append(code)

    def township_of(self, village_codes: pd.Series) -> pd.Series:
        """Township code of each village code (NaN when unknown)."""
        return village_codes.map(self._village_township).astype("str")

    def _county_ok(self, county: str) -> bool:
        key = place_key(county, "county")
        return (
            not key
            or county == self.county_code
            or not self.county_name
            or key == place_key(self.county_name, "county")
        )

    def _township(self, township: str) -> tuple[str | None, str | None]:
        if not township:
            return None, None
        if re.fullmatch(r"\d{9}", township):
            return (township, None) if township in self._townships else (None, "unknown_township")
        codes = self._township_keys.get(place_key(township, "township"), [])
        if len(codes) == 1:
            return codes[0], None
        return None, ("unknown_township" if not codes else "ambiguous_township")

    def _one(self, village: str, township: str, county: str):
        """Resolve one (village, township, county) triple → (village, township, problem).

        A village name is matched by its full name, then its 村/社区 form
        (张家窑村 = 张家窑村民委员会), then its bare name; the first level with
        exactly one village (in the township, when given) wins, and a level with
        several is ambiguous.
        """
        if county and not self._county_ok(county):
            return None, None, "other_county"
        t_code, problem = self._township(township)
        if problem:
            return None, None, problem
        if not village:
            return None, t_code, None
        if re.fullmatch(r"\d{12}", village):
            owner = self._village_township.get(village)
            if owner is None:
                return None, t_code, "unknown_village_code"
            if t_code and owner != t_code:
                return None, t_code, "village_not_in_township"
            return village, owner, None
        elsewhere = False
        for table, key in zip(self._village_keys, _village_keys(village), strict=True):
            codes = table.get(key, [])
            if t_code:
                inside = [c for c in codes if self._village_township[c] == t_code]
                elsewhere = elsewhere or bool(codes and not inside)
                codes = inside
            if len(codes) == 1:
                return codes[0], self._village_township[codes[0]], None
            if len(codes) > 1:
                return None, t_code, "ambiguous_village"
        return None, t_code, ("village_not_in_township" if elsewhere else "unknown_village")

    def resolve(
        self,
        village: pd.Series | None,
        township: pd.Series | None,
        county: pd.Series | None,
        index: pd.Index,
    ) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Resolve places given as names or codes (each argument may be None).

        Returns
        -------
        (Series, Series, Series)
            Village codes, township codes (``str``, NaN where unknown) and the
            problem per row (``unknown_village``, ``ambiguous_village``,
            ``village_not_in_township``, ``unknown_village_code``,
            ``unknown_township``, ``ambiguous_township``, ``other_county``; None when fine).
        """

        def text(s):
            if s is None:
                return pd.Series("", index=index, dtype=object)
            return s.astype(object).where(s.notna(), "").astype(str)

        frame = pd.DataFrame({"v": text(village), "t": text(township), "c": text(county)})
        combos = frame.drop_duplicates()
        results = [self._one(v, t, c) for v, t, c in combos.itertuples(index=False)]
        combos = combos.assign(
            vc=[r[0] for r in results], tc=[r[1] for r in results], p=[r[2] for r in results]
        )
        merged = frame.merge(combos, on=["v", "t", "c"], how="left")
        merged.index = index
        return (
            merged["vc"].astype("str"),
            merged["tc"].astype("str"),
            merged["p"].astype(object).where(merged["p"].notna(), None),
        )
