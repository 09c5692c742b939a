"""Writing a partitioned Dataset county by county (:func:`write_partitioned`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from audit.dataset import GEOMETRY_FILE, META_FILE, TRUTH_DIR, Dataset
from audit.errors import InputError
from audit.fsutil import staging_dir, write_json
from audit.partitions.layout import FLAT, KEYS, LAYOUT, PART_FILE, PARTITIONED, UNPLACED, _part_dir
from audit.schema import SCHEMA_VERSION, TABLES, conform

__all__ = ["write_partitioned"]


def _keys(ds: Dataset) -> dict[str, np.ndarray]:
    """The partition (township code) of every row of the partitioned tables."""
    hh_town = ds.households["township_code"].astype(object).fillna(UNPLACED).to_numpy(dtype=object)
    index = pd.Index(ds.households["household_id"])

    def by_household(frame):
        pos = index.get_indexer(frame["household_id"])
        return np.where(pos >= 0, hh_town[np.clip(pos, 0, None)], UNPLACED)

    return {
        "villages": ds.villages["township_code"].to_numpy(dtype=object),
        "households": hh_town,
        "members": by_household(ds.members),
        "visits": by_household(ds.visits),
    }


def _row_digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(
        pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    ).hexdigest()


def _write_county(ds: Dataset, root: Path) -> list[dict]:
    """Write the partitioned tables of one county's Dataset; return its partition records."""
    keys = _keys(ds)
    groups = {t: pd.Series(np.arange(len(k))).groupby(k).indices for t, k in keys.items()}
    codes = sorted(set().union(*(g.keys() for g in groups.values())))
    records = []
    for code in codes:
        rec = {"county_code": code[:6], "township_code": code, "rows": {}, "sha256": {}}
        for table in PARTITIONED:
            rows = groups[table].get(code)
            if rows is None:
                continue
            part = getattr(ds, table).take(rows).reset_index(drop=True)
            rec["rows"][table] = len(part)
            rec["sha256"][table] = _row_digest(part)
            folder = _part_dir(root, table, code)
            folder.mkdir(parents=True, exist_ok=True)
            part.drop(columns=[k for k in KEYS if k in part.columns]).to_parquet(
                folder / PART_FILE, index=False
            )
        records.append(rec)
    return records


def _write_truth(truth: dict[str, pd.DataFrame], root: Path, county: str) -> None:
    for name, frame in truth.items():
        folder = root / TRUTH_DIR / name / f"county_code={county}"
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(folder / PART_FILE, index=False)


def _merged_meta(metas: list[dict], names: list[dict]) -> dict:
    first = metas[0]
    dates = {str(m.get("reference_date")) for m in metas}
    if len(dates) > 1:
        raise InputError(
            f"各县数据集的基准日期不一致：{'、'.join(sorted(dates))}",
            f"the counties' reference dates differ: {', '.join(sorted(dates))}",
        )
    one = len(names) == 1
    return {
        **first,
        "county_code": names[0]["county_code"] if one else None,
        "county_name": names[0]["county_name"] if one else f"{len(names)} 个县",
        "counties": names,
        "sources": [s for m in metas for s in m.get("sources") or []],
    }


def write_partitioned(counties: Iterable[Dataset], path: str | Path) -> Path:
    """Write Datasets (a county each, e.g. from :func:`audit.synth.iter_counties`) partitioned.

    Only one county is held at a time (plus the small flat tables and the
    polygons of all villages). The folder is written into a temporary sibling
    and renamed into place, as :meth:`Dataset.save` does.

    Parameters
    ----------
    counties : iterable of Dataset
        Each a county (or any set of whole townships); townships must not repeat.
    path : str or Path
        The folder to write (replaced atomically if it exists).

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    >>> from audit import synth
    >>> write_partitioned(synth.iter_counties(scale=0.05, counties=3), "province")  # doctest: +SKIP
    """
    path = Path(path).resolve()
    with staging_dir(path) as tmp:
        flat: dict[str, list[pd.DataFrame]] = {t: [] for t in FLAT}
        geoms, metas, names, records = [], [], [], []
        for ds in counties:
            for rec in _write_county(ds, tmp):
                if any(r["township_code"] == rec["township_code"] for r in records):
                    raise InputError(
                        f"乡镇 {rec['township_code']} 出现在多个县的数据集中",
                        f"township {rec['township_code']} appears in two input Datasets",
                    )
                records.append(rec)
            for t in FLAT:
                flat[t].append(getattr(ds, t))
            if ds.geometry is not None:
                geoms.append(ds.geometry)
            county = str(ds.meta.get("county_code") or ds.townships["county_code"].iloc[0])
            if ds.truth is not None:
                _write_truth(ds.truth, tmp, county)
            metas.append(ds.meta)
            names.extend(ds.meta.get("counties") or [{"county_code": county,
                          "county_name": ds.meta.get("county_name")}])  # fmt: skip
        if not metas:
            raise InputError("没有要写入的县", "no county to write")
        records.sort(key=lambda r: r["township_code"])
        digests = hashlib.sha256()
        for t in FLAT:
            frame = conform(pd.concat(flat[t], ignore_index=True), t)
            frame.to_parquet(tmp / f"{t}.parquet", index=False)
            digests.update(f"{t}:{_row_digest(frame)}".encode())
            flat[t] = len(frame)
        for rec in records:
            for t, digest in rec.pop("sha256").items():
                digests.update(f"{t}/{rec['township_code']}:{digest}".encode())
        if geoms:
            pd.concat(geoms, ignore_index=True).to_file(
                tmp / GEOMETRY_FILE, layer="villages", driver="GPKG"
            )
        names = sorted(
            {n["county_code"]: n for n in names}.values(), key=lambda n: n["county_code"]
        )
        rows = {t: sum(r["rows"].get(t, 0) for r in records) for t in PARTITIONED}
        meta = {
            **_merged_meta(metas, names),
            "schema_version": SCHEMA_VERSION,
            "fingerprint": digests.hexdigest(),
            "tables": {t: {"rows": flat[t] if t in FLAT else rows[t]} for t in TABLES},
            "layout": {
                "kind": LAYOUT,
                "keys": list(KEYS),
                "tables": list(PARTITIONED),
                "partitions": records,
            },
        }
        write_json(tmp / META_FILE, meta)
    return path
