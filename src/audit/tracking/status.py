"""The status of every item, derived from the ledger (nothing is stored, nothing updated).

An item moves through four statuses (整改状态):

``open`` (待整改)
    Found by a run, and nothing since says it is fixed.
``reported_fixed`` (已报整改)
    A township return claims it fixed (是否已整改 = 是) on or after the date of the
    last run that found it, and no run has looked since.
``verified`` (已核验销号)
    A run after the last one that found it no longer finds it, or a visit
    confirmation sheet confirms it fixed after that run.
``reopened`` (重新出现)
    Found again after it had been claimed fixed or had disappeared from a run
    (found → not found → found; or claimed → found).

Dates decide the order of events: a run counts at its ``as_of`` date; a claim at
its claimed fixed date (整改完成日期, or the date of the return when blank). A
run *follows* a claim when its ``as_of`` is later than the claimed date; a claim
dated the day of a run follows that run. A run only speaks for the townships it
covered (a township rerun says nothing about the others).

A claim that the next run covering its township contradicts (the item is still
found) is "reported fixed but still found" (已报整改但仍存在):
:func:`claims_contradicted` lists exactly these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.tracking.items import deadline_of, rule_attributes

__all__ = ["STATUS_ZH", "claims_contradicted", "finding_status", "open_items", "run_coverage"]

STATUS_ZH = {
    "open": "待整改",
    "reported_fixed": "已报整改",
    "verified": "已核验销号",
    "reopened": "重新出现",
}
_DAY = np.timedelta64(1, "D")


def _cut(ledger, as_of):
    runs = ledger.runs()
    claims = ledger.claims()
    if as_of is not None:
        cutoff = pd.Timestamp(as_of)
        runs = runs[runs["as_of"] <= cutoff]
        claims = claims[claims["reported_on"] <= cutoff]  # the returns known by then
    return runs.reset_index(drop=True), claims


def run_coverage(runs: pd.DataFrame, townships) -> pd.DataFrame:
    """Return ``run_seq, run_id, as_of, township_code``: which run looked at which township."""
    townships = pd.Index(pd.unique(np.asarray(townships, dtype=object)))
    full = runs[runs["scope"].isna()]
    parts = [full[["run_seq", "run_id", "as_of"]].merge(
        pd.DataFrame({"township_code": townships}), how="cross")]  # fmt: skip
    scoped = runs[runs["scope"].notna()]
    if len(scoped):
        parts.append(scoped[["run_seq", "run_id", "as_of", "scope"]]
                     .explode("scope").rename(columns={"scope": "township_code"}))  # fmt: skip
    cover = pd.concat(parts, ignore_index=True)
    return cover.sort_values(["township_code", "as_of", "run_seq"], ignore_index=True)


class _Timeline:
    """Sortable (township, date) keys: counting and finding runs per township, vectorised."""

    def __init__(self, cover: pd.DataFrame) -> None:
        self.towns = pd.Index(sorted(cover["township_code"].dropna().unique()))
        keys = self.key(cover["township_code"], cover["as_of"])
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.cover = cover.iloc[order].reset_index(drop=True)

    def key(self, towns: pd.Series, dates: pd.Series) -> np.ndarray:
        t = self.towns.get_indexer(towns.astype(object)).astype(np.int64)
        d = pd.to_datetime(dates).to_numpy("datetime64[D]").astype(np.int64)
        return t * 1_000_000 + d

    def count_between(self, towns, start, end) -> np.ndarray:
        """Number of runs covering each township with ``start <= as_of <= end``."""
        lo = np.searchsorted(self.keys, self.key(towns, start), side="left")
        hi = np.searchsorted(self.keys, self.key(towns, end), side="right")
        return hi - lo

    def first_after(self, towns, dates) -> np.ndarray:
        """Position in :attr:`cover` of the first run strictly after ``dates`` (-1: none)."""
        keys = self.key(towns, dates)
        pos = np.searchsorted(self.keys, keys, side="right")
        ok = pos < len(self.keys)
        same = np.zeros(len(keys), bool)
        same[ok] = (self.keys[pos[ok]] // 1_000_000) == (keys[ok] // 1_000_000)
        return np.where(same, pos, -1)


def _match_claims(claims: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Attach each claim row to the items it speaks for (household × rule, or village × rule)."""
    c = claims[claims["fixed"]].assign(
        date=claims["fixed_date"].fillna(claims["reported_on"])
    )  # fmt: skip
    hh = c[c["household_id"].notna()].merge(
        items.loc[items["household_id"].notna(), ["item_id", "household_id", "rule_id"]],
        on=["household_id", "rule_id"],
    )  # fmt: skip
    vil = c[c["household_id"].isna()].merge(
        items.loc[items["household_id"].isna(), ["item_id", "village_code", "rule_id"]],
        on=["village_code", "rule_id"],
    )  # fmt: skip
    return pd.concat([hh, vil], ignore_index=True)


def finding_status(ledger, as_of=None, settings=None) -> pd.DataFrame:
    """Return the status of every item as of a date (the latest state when None).

    Parameters
    ----------
    ledger : Ledger
    as_of : date, optional
        Only runs dated on or before it, and returns reported on or before it, count.
    settings : Settings, optional
        When given, adds ``deadline`` (date) per item.

    Returns
    -------
    DataFrame
        One row per item ever found up to ``as_of``: item columns, ``owner_unit``,
        ``deadline_key``, ``first_found``, ``last_found``, ``claimed_on`` (latest claim
        after the last finding), ``verified_on``, ``found_latest`` (found by the latest
        run covering its township), ``status`` and ``status_zh``.
    """
    runs, claims = _cut(ledger, as_of)
    items = ledger.items().merge(rule_attributes(), on="rule_id", how="left")
    obs = ledger.observations().merge(runs[["run_seq", "as_of"]], on="run_seq")
    items = items[items["item_id"].isin(obs["item_id"])].reset_index(drop=True)
    g = obs.groupby("item_id")["as_of"]
    span = pd.DataFrame({"first_found": g.min(), "last_found": g.max(), "n_found": g.size()})
    items = items.merge(span, left_on="item_id", right_index=True)
    line = _Timeline(run_coverage(runs, items["township_code"]))
    town = items["township_code"]
    # A run after the last finding that did not find it: verified.
    after = line.first_after(town, items["last_found"])
    ok = after >= 0
    verified_on = np.full(len(items), np.datetime64("NaT"), "datetime64[us]")
    verified_on[ok] = line.cover["as_of"].to_numpy("datetime64[us]")[after[ok]]
    # A gap: runs covering its township between the first and last finding that missed it.
    gap = line.count_between(town, items["first_found"], items["last_found"]) > items["n_found"]
    matched = _match_claims(claims, items).merge(items[["item_id", "first_found", "last_found"]])
    late = matched[matched["date"] >= matched["last_found"]]
    early = matched[(matched["date"] >= matched["first_found"])
                    & (matched["date"] < matched["last_found"])]  # fmt: skip
    visits = late[late["kind"].eq("visit")].groupby("item_id")["date"].min()
    claimed = late[late["kind"].eq("township")].groupby("item_id")["date"].max()
    ids = items["item_id"]
    by_visit = pd.Series(visits.reindex(ids).to_numpy(), dtype="datetime64[us]")
    verified_on = pd.Series(verified_on).fillna(by_visit.where(~ok))
    status = np.select(
        [verified_on.notna().to_numpy(), ids.isin(claimed.index).to_numpy(),
         (gap | ids.isin(early["item_id"])).to_numpy()],
        ["verified", "reported_fixed", "reopened"],
        default="open",
    )  # fmt: skip
    latest = line.cover.groupby("township_code")["as_of"].max()
    out = items.assign(
        claimed_on=pd.Series(claimed.reindex(ids).to_numpy(), dtype="datetime64[us]").to_numpy(),
        verified_on=verified_on.to_numpy(),
        found_latest=items["last_found"].to_numpy() == town.map(latest).to_numpy(),
        status=status,
        status_zh=pd.Series(status).map(STATUS_ZH).to_numpy(),
    )
    if settings is not None:
        dates = {k: pd.Timestamp(deadline_of(k, settings)) for k in out["deadline_key"].unique()}
        out["deadline"] = out["deadline_key"].map(dates)
    return out.drop(columns=["n_found", "item_key", "first_run_seq"])


def open_items(ledger, as_of=None) -> pd.DataFrame:
    """Return the items not yet verified (open, reported fixed or reopened)."""
    status = finding_status(ledger, as_of)
    return status[status["status"].ne("verified")].reset_index(drop=True)


def claims_contradicted(ledger, as_of=None) -> pd.DataFrame:
    """List the claims the next run contradicted: "reported fixed but still found".

    A township claim (是否已整改 = 是) is contradicted when the first run covering its
    township after the claimed date still finds the item (for a person rule: any of
    the household's people).

    Returns
    -------
    DataFrame
        One row per contradicted claim: ``return_id, row, file, township_code,
        responsible, reported_on, household_id, village_code, rule_id, fixed_date,
        person, note, next_run_id, next_run_as_of, still_found`` (items found), and
        ``status`` (the item's status now: 已核验销号 once a later run no longer finds it).
    """
    runs, claims = _cut(ledger, as_of)
    items = ledger.items()
    cols = ["return_id", "row", "file", "township_code", "responsible", "reported_on",
            "household_id", "village_code", "rule_id", "fixed_date", "person", "note"]  # fmt: skip
    matched = _match_claims(claims[claims["kind"].eq("township")], items)
    if not len(matched) or not len(runs):
        return pd.DataFrame(columns=[*cols, "next_run_id", "next_run_as_of", "still_found"])
    town = matched["item_id"].map(items.set_index("item_id")["township_code"])
    line = _Timeline(run_coverage(runs, town))
    nxt = line.first_after(town, matched["date"])
    matched = matched[nxt >= 0].assign(_run=line.cover["run_seq"].to_numpy()[nxt[nxt >= 0]])
    obs = ledger.observations()[["run_seq", "item_id"]].assign(found=True)
    hit = matched.merge(obs, left_on=["_run", "item_id"], right_on=["run_seq", "item_id"])
    per = hit.groupby(["return_id", "row", "_run"]).agg(still_found=("item_id", "size"),
                                                       item_id=("item_id", "first"))  # fmt: skip
    per = per.reset_index()
    out = claims.merge(per, on=["return_id", "row"])
    run_info = runs.set_index("run_seq")
    out["next_run_id"] = out["_run"].map(run_info["run_id"])
    out["next_run_as_of"] = out["_run"].map(run_info["as_of"])
    now = finding_status(ledger, as_of).set_index("item_id")["status_zh"]
    out["status"] = out["item_id"].map(now)
    out = out[[*cols, "next_run_id", "next_run_as_of", "still_found", "status"]]
    return out.sort_values(["township_code", "return_id", "row"], ignore_index=True)
