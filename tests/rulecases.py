"""Hand-built records for rule tests: one clean household that passes every rule.

``household()`` returns plain dicts (households row, member rows, village row)
that tests change field by field before building a Dataset with ``dataset()``.
Nothing here comes from the generator.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from audit.dataset import Dataset
from audit.idnumber import make_ids
from audit.schema import TABLES, empty_frame

TOWN = "620523101"
VILLAGE = "620523101201"


def person_id(birth: str, male: bool, seq: int = 1) -> str:
    return str(make_ids(np.array(["620523"]), np.array([birth], dtype="datetime64[D]"),
                        np.array([2 * seq + int(male)]))[0])  # fmt: skip


def member(hid, relation, birth, male, seq=1, **kw):
    row = {
        "person_id": person_id(birth, male, seq), "household_id": hid, "name": "王某",
        "relation": relation, "sex": "男" if male else "女", "birth_date": pd.Timestamp(birth),
        "ethnicity": "汉族", "education": "初中", "school_status": "非在校生", "health": "健康",
        "disability_certificate": False, "chronic_certificate": False, "family_doctor": True,
        "medical_insurance": "城乡居民基本医疗保险", "insurance_exemption": None,
        "premium_subsidy": True, "labour_capacity": "普通劳动力", "months_away": 0.0,
        "hukou_registered": True, "hukou_settled_date": pd.NaT, "dibao": False, "tekun": False,
        "phone": None,
    }  # fmt: skip
    row.update(kw)
    return row


def income(pc: float, size: int, wage_share: float = 0.5) -> dict:
    net = round(pc * size)
    wage = round(net * wage_share)
    transfer = round(net * 0.2)
    business_net = net - wage - transfer
    return {"income_wage": float(wage), "income_business": float(business_net + 1000),
            "income_property": 0.0, "income_transfer": float(transfer),
            "business_expense": 1000.0, "net_income": float(net),
            "net_income_per_capita": round(net / size, 2),
            "prev_net_income_per_capita": round(net / size, 2)}  # fmt: skip


def household(hid="62052310120100001", status="已脱贫"):
    """A registered household of three that passes every rule."""
    hh = {
        "household_id": hid, "village_code": VILLAGE, "township_code": TOWN, "status": status,
        "exit_year": 2019 if status == "已脱贫" else None, "poverty_attribute": "一般贫困户",
        "monitoring_type": None, "main_cause": "缺技术", "declared_size": 3,
        **income(9000.0, 3), "essential_expenditure": 800.0, "house_grade": "B",
        "house_renovated": False, "relocated": False, "relocation_keys": None,
        "relocation_moved_in": None, "old_house_demolished": None, "water_piped": True,
        "water_litres": 60.0, "water_quality_ok": True, "water_trip_minutes": 0.0,
        "water_shortage_days": 3, "food_secure": True, "clothing_ok": True,
        "helper_cadre": "李干部", "phone": None, "approves": None,
    }  # fmt: skip
    if status == "一般农户":
        hh.update(poverty_attribute=None, main_cause=None, exit_year=None, helper_cadre=None)
    members = [
        member(hid, "户主", "1979-05-01", True, months_away=6.0),
        member(hid, "配偶", "1981-07-12", False),
        member(hid, "之子", "2014-09-01", True, education=None, school_status="小学",
               labour_capacity="无劳动力"),
    ]  # fmt: skip
    if status == "一般农户":
        for m in members:
            m["premium_subsidy"] = None
    return hh, members


def village():
    return {"village_code": VILLAGE, "name": "测试村民委员会", "township_code": TOWN,
            "urban_rural_code": "220", "poor_village": True, "road_hardened": True,
            "power_grid": True, "broadband": True, "clinic": True, "village_doctor": True,
            "water_points_to_fix": 0, "pipe_km_to_fix": 0.0, "road_km_to_harden": 0.0,
            "road_km_disrepair": 0.0, "collective_income": 5.0}  # fmt: skip


def dataset(households, members, villages=None) -> Dataset:
    """Build a Dataset from row dicts (other tables empty)."""

    def frame(name, rows):
        base = empty_frame(name)
        if not rows:
            return base
        f = pd.DataFrame(copy.deepcopy(rows))
        return f.reindex(columns=TABLES[name].names)

    towns = pd.DataFrame({"township_code": [TOWN], "name": ["新兴镇"], "county_code": ["620523"],
                          "county_name": ["甘谷县"], "lon": [105.3], "lat": [34.8],
                          "quality_q1": [98.0], "quality_q2": [98.0], "quality_q3": [98.0],
                          "quality_q4": [95.0]})  # fmt: skip
    return Dataset(
        townships=towns,
        villages=frame("villages", villages or [village()]),
        households=frame("households", households),
        members=frame("members", members),
        visits=empty_frame("visits"), projects=empty_frame("projects"),
        problems=empty_frame("problems"), complaints=empty_frame("complaints"),
        meta={"county_code": "620523", "reference_date": "2024-03-25"},
    )  # fmt: skip
