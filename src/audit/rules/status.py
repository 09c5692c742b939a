"""What the findings mean per household, village and township.

- :func:`household_status`: census status of every registered household (pass /
  fail / unknown) with its failing indicators; a failing 已脱贫 household is 错退,
  a passing 未脱贫 household is ready to exit.
- :func:`four_checks`: the 四核四防 classification of scenario-gangu.md
  (① gaps of 未脱贫 households, ② return-to-poverty risk of 已脱贫 households,
  ③ new-poverty risk of 一般农户, ④ village hardware gaps), per household and village.
- :func:`quality_scores`: the data-quality score of each township (share of its
  registered household records with no ``error`` finding) and its rank, beside
  the four quarterly scores in the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.codes import REGISTERED
from audit.rules.registry import RULES

__all__ = ["four_checks", "household_status", "quality_scores"]

STATUS_ZH = {"pass": "通过", "fail": "不通过", "unknown": "待核实"}


def _joined(rows: pd.DataFrame, households: pd.Series) -> np.ndarray:
    """Join each household's rule ids with "、" (vectorised over a household × rule table)."""
    table = pd.crosstab(rows["household_id"], rows["rule_id"].astype(str)).reindex(households)
    table = table.fillna(0).to_numpy(dtype=bool)
    rule_ids = pd.crosstab(rows["household_id"], rows["rule_id"].astype(str)).columns
    text = np.full(len(households), "", dtype=object)
    for j, rid in enumerate(rule_ids):
        text = np.where(table[:, j], np.where(text == "", rid, text + "、" + rid), text)
    return text


def household_status(findings: pd.DataFrame, dataset) -> pd.DataFrame:
    """Return the census status of every registered household.

    Returns
    -------
    DataFrame
        ``household_id, village_code, township_code, status`` (未脱贫/已脱贫),
        ``census`` (pass/fail/unknown), ``failing`` (indicator ids joined by
        "、"), ``unknown`` (idem), ``wrong_exit`` (错退), ``ready_to_exit``.
    """
    hh = dataset.households
    reg = hh[hh["status"].isin(REGISTERED)][["household_id", "village_code", "township_code",
                                             "status"]].reset_index(drop=True)  # fmt: skip
    crit = findings[findings["severity"].eq("critical") & findings["household_id"].notna()]
    failing = _joined(crit[crit["outcome"].eq("fail")], reg["household_id"])
    unknown = _joined(crit[crit["outcome"].eq("unknown")], reg["household_id"])
    census = np.where(failing != "", "fail", np.where(unknown != "", "unknown", "pass"))
    status = reg["status"].astype(str)
    return reg.assign(
        census=census,
        failing=failing,
        unknown=unknown,
        wrong_exit=(status == "已脱贫") & (census == "fail"),
        ready_to_exit=(status == "未脱贫") & (census == "pass"),
    )


def four_checks(findings: pd.DataFrame, dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classify households and villages by 四核四防 (①②③④).

    Returns
    -------
    households : DataFrame
        ``household_id, village_code, township_code, check`` for every household
        in one of ①②③ (① 未脱贫 with a critical finding; ② 已脱贫 with a critical
        finding or a RISK warning; ③ 一般农户 with a RISK warning).
    villages : DataFrame
        Per village: counts of ①②③ households, ④ (number of VIL findings) and
        whether it is a 贫困村, sorted by total.
    """
    hh = dataset.households[["household_id", "village_code", "township_code", "status"]]
    rule = findings["rule_id"].astype(str)
    hh_f = findings[findings["household_id"].notna()]
    crit = set(hh_f.loc[hh_f["severity"].eq("critical"), "household_id"])
    risk = set(hh_f.loc[rule.loc[hh_f.index].isin(["RISK-01", "RISK-02", "RISK-03"]),
                        "household_id"])  # fmt: skip
    ids, status = hh["household_id"], hh["status"].astype(str)
    check = np.select(
        [(status == "未脱贫") & ids.isin(crit),
         (status == "已脱贫") & (ids.isin(crit) | ids.isin(risk)),
         (status == "一般农户") & ids.isin(risk)],
        ["①", "②", "③"], default="",
    )  # fmt: skip
    households = hh.assign(check=check)
    households = households[households["check"] != ""].drop(columns="status")
    counts = pd.crosstab(households["village_code"], households["check"])
    counts = counts.reindex(columns=["①", "②", "③"], fill_value=0)
    vil = findings[rule.str.startswith("VIL-")].groupby("village_code").size().rename("④")
    villages = dataset.villages[["village_code", "name", "township_code", "poor_village"]]
    villages = villages.merge(counts, on="village_code", how="left").merge(
        vil, on="village_code", how="left")  # fmt: skip
    for col in ("①", "②", "③", "④"):
        villages[col] = villages[col].fillna(0).astype(int)
    villages["total"] = villages[["①", "②", "③", "④"]].sum(axis=1)
    villages = villages.sort_values(["total", "village_code"], ascending=[False, True])
    return households.reset_index(drop=True), villages.reset_index(drop=True)


def quality_scores(findings: pd.DataFrame, dataset) -> pd.DataFrame:
    """Return each township's data-quality score and rank.

    The score is the share (%) of its registered household records (a household
    and its members) with no ``error`` finding of the registry's data-quality
    rules (census-rules.md §D: ID, HH, CONS). Policy gaps such as a missing
    premium subsidy (MED-02) are errors too, but they are counted by their own
    indicator, not against the quality of the data.
    """
    hh = dataset.households
    reg = hh[hh["status"].isin(REGISTERED)]
    section_d = [r.id for r in RULES.values() if r.section == "D"]
    errors = findings[findings["severity"].eq("error") & findings["rule_id"].isin(section_d)]
    bad = set(errors["household_id"].dropna())
    flagged = reg["household_id"].isin(bad)
    per = pd.DataFrame({"township_code": reg["township_code"], "bad": flagged})
    g = per.groupby("township_code")
    score = pd.DataFrame({
        "records": g.size(),
        "records_with_errors": g["bad"].sum(),
    }).reset_index()  # fmt: skip
    score["score"] = (100 * (1 - score["records_with_errors"] / score["records"])).round(2)
    towns = dataset.townships[["township_code", "name", "quality_q1", "quality_q2",
                               "quality_q3", "quality_q4"]]  # fmt: skip
    score = towns.merge(score, on="township_code", how="left")
    score["rank"] = score["score"].rank(ascending=False, method="min").astype("Int64")
    return score.sort_values(["rank", "township_code"]).reset_index(drop=True)
