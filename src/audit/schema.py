"""The Dataset's tables: every column with its type, Chinese header and aliases.

This module is the single source of truth for column names. Ingestion maps the
Chinese headers (and the aliases seen in real exports, see
``shared/reference/registry-exports.md``) to these names; Excel output and
reports label columns with :attr:`Column.zh`; :mod:`audit.dataset` validates
and normalises types with :func:`conform`.

Column kinds and their pandas dtypes:

========  ==============================  ==========================================
kind      dtype                           missing value
========  ==============================  ==========================================
str       ``str`` (pandas 3 string)       NaN
int       ``Int64``                       <NA>
float     ``float64``                     NaN
bool      ``boolean``                     <NA>
date      ``datetime64[us]``              NaT
enum      ``category`` of the code list   NaN (a value outside the list is an error)
multi     ``str``: labels joined by ","   NaN (each label must be in the code list)
========  ==============================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.codes import ENUMS
from audit.errors import SchemaError

__all__ = ["ENUMS", "KIND_LABELS", "TABLES", "Column", "Table", "conform", "empty_frame"]

SCHEMA_VERSION = 1

KIND_LABELS = {
    "str": "文本",
    "int": "整数",
    "float": "数值",
    "bool": "是/否",
    "date": "日期",
    "enum": "代码",
    "multi": "多选代码",
}


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        English snake_case name used in code.
    kind : str
        One of ``str, int, float, bool, date, enum, multi``.
    zh : str
        The Chinese header shown to users.
    aliases : tuple of str
        Other headers seen in real exports for the same field.
    enum : str, optional
        Name of the code list in :data:`audit.codes.ENUMS` (``enum``/``multi``).
    required : bool
        True for identifying columns an export must carry.
    """

    name: str
    kind: str
    zh: str
    aliases: tuple[str, ...] = ()
    enum: str | None = None
    required: bool = False

    @property
    def dtype(self):
        """The canonical pandas dtype of this column."""
        if self.kind == "enum":
            return pd.CategoricalDtype(list(ENUMS[self.enum]), ordered=False)
        return _DTYPES[self.kind]


_DTYPES = {
    "str": pd.StringDtype(na_value=np.nan),
    "multi": pd.StringDtype(na_value=np.nan),
    "int": pd.Int64Dtype(),
    "float": np.dtype("float64"),
    "bool": pd.BooleanDtype(),
    "date": np.dtype("datetime64[us]"),
}


@dataclass(frozen=True)
class Table:
    """A table of the Dataset: its name, Chinese name, key and columns."""

    name: str
    zh: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """Column names in schema order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name, kind, zh, *aliases, enum=None, required=False):
    if kind in ("enum", "multi") and enum is None:
        enum = name
    return Column(name, kind, zh, tuple(aliases), enum, required)


TOWNSHIPS = Table(
    "townships",
    "乡镇",
    ("township_code",),
    (
        _c("township_code", "str", "乡镇代码", "乡镇编码", "乡(镇)代码", required=True),
        _c("name", "str", "乡(镇)", "乡镇", "乡", "镇", "乡（镇）", "乡镇名称", required=True),
        _c("county_code", "str", "县代码", "县(市、区、旗)代码"),
        _c("county_name", "str", "县(市、区、旗)", "县", "县区", "行政县"),
        _c("lon", "float", "经度"),
        _c("lat", "float", "纬度"),
        _c("quality_q1", "float", "数据质量得分(上年一季度)"),
        _c("quality_q2", "float", "数据质量得分(上年二季度)"),
        _c("quality_q3", "float", "数据质量得分(上年三季度)"),
        _c("quality_q4", "float", "数据质量得分(上年四季度)"),
    ),
)

VILLAGES = Table(
    "villages",
    "行政村",
    ("village_code",),
    (
        _c("village_code", "str", "村代码", "行政区划编码", "村编码", required=True),
        _c("name", "str", "行政村", "村", "村名称", required=True),
        _c("township_code", "str", "乡镇代码", required=True),
        _c("urban_rural_code", "str", "城乡分类代码"),
        _c("poor_village", "bool", "是否贫困村", "贫困村"),
        _c("road_hardened", "bool", "是否通硬化路", "通村硬化路"),
        _c("power_grid", "bool", "是否通动力电", "通动力电"),
        _c("broadband", "bool", "是否通宽带或4G", "通宽带"),
        _c("clinic", "bool", "是否有标准化卫生室", "标准化卫生室"),
        _c("village_doctor", "bool", "是否有合格村医", "合格村医"),
        _c("water_points_to_fix", "int", "待改造集中供水点(处)", "集中供水点待改造"),
        _c("pipe_km_to_fix", "float", "待维修管网(公里)", "管网待维修"),
        _c("road_km_to_harden", "float", "待硬化村组道路(公里)", "村组道路待硬化"),
        _c("road_km_disrepair", "float", "畅返不畅道路(公里)", "畅返不畅"),
        _c("collective_income", "float", "村集体经济收入(万元)", "集体经济收入"),
    ),
)

HOUSEHOLDS = Table(
    "households",
    "农户",
    ("household_id",),
    (
        _c(
            "household_id",
            "str",
            "户编号",
            "户码",
            "家庭编号",
            "贫困户编号",
            "aac001",
            required=True,
        ),
        _c("village_code", "str", "村代码", required=True),
        _c("township_code", "str", "乡镇代码"),
        _c(
            "status",
            "enum",
            "脱贫属性",
            "户脱贫属性",
            "脱贫标志",
            "脱贫状态",
            "贫困状态",
            "户类型",
            "aar010",
            enum="household_status",
        ),
        _c("exit_year", "int", "脱贫年度", "脱贫年份"),
        _c("poverty_attribute", "enum", "贫困户属性", "aac006"),
        _c("monitoring_type", "enum", "监测对象类别", "易返贫致贫户(监测对象)类型", "监测类别"),
        _c("main_cause", "enum", "主要致贫原因", "致贫原因1", "致贫原因", "aac007"),
        _c("declared_size", "int", "人数", "家庭人数", "户人数", "当前家庭人口数"),
        _c("income_wage", "float", "工资性收入"),
        _c("income_business", "float", "生产经营性收入"),
        _c("income_property", "float", "财产性收入"),
        _c("income_transfer", "float", "转移性收入"),
        _c("business_expense", "float", "生产经营性支出"),
        _c("net_income", "float", "纯收入(元)", "纯收入（元）", "家庭纯收入"),
        _c(
            "net_income_per_capita",
            "float",
            "人均纯收入",
            "人均纯收入（元）",
            "年人均纯收入",
            "aac082",
        ),
        _c("prev_net_income_per_capita", "float", "上年人均纯收入"),
        _c("essential_expenditure", "float", "刚性支出", "合规自付支出"),
        _c("house_grade", "enum", "住房安全等级", "危房级别", "aac322"),
        _c("house_renovated", "bool", "危房已改造并验收", "危房改造验收"),
        _c("relocated", "bool", "是否易地扶贫搬迁户", "易地扶贫搬迁", "搬迁"),
        _c("relocation_keys", "bool", "是否已领钥匙"),
        _c("relocation_moved_in", "bool", "是否已入住", "搬迁入住"),
        _c("old_house_demolished", "bool", "旧房是否拆除"),
        _c("water_piped", "bool", "是否自来水入户", "供水入户"),
        _c("water_litres", "float", "人均日供水量(升)", "供水量"),
        _c(
            "water_quality_ok",
            "bool",
            "水质是否达标",
            "饮水安全",
            "饮水是否安全",
            "是否解决安全饮用水",
        ),
        _c("water_trip_minutes", "float", "取水往返时间(分钟)"),
        _c("water_shortage_days", "int", "年缺水天数"),
        _c("food_secure", "bool", "吃饭不愁"),
        _c("clothing_ok", "bool", "穿衣不愁"),
        _c("helper_cadre", "str", "帮扶责任人", "帮扶干部"),
        _c("phone", "str", "联系电话", "户联系电话"),
        _c("approves", "bool", "群众认可"),
    ),
)

MEMBERS = Table(
    "members",
    "家庭成员",
    ("person_id", "household_id"),
    (
        _c(
            "person_id",
            "str",
            "证件号码",
            "身份证号",
            "身份证号码",
            "身份证",
            "身份证明号码",
            "公民身份号码",
            "户住证件号码",
            "aab004",
            required=True,
        ),
        _c(
            "household_id",
            "str",
            "户编号",
            "户码",
            "家庭编号",
            "贫困户编号",
            "aac001",
            required=True,
        ),
        _c("name", "str", "姓名", "aab002"),
        _c("relation", "enum", "与户主关系", "aab006", required=True),
        _c("sex", "enum", "性别", "aab003"),
        _c("birth_date", "date", "出生日期", "aab005"),
        _c("ethnicity", "str", "民族", "aab007"),
        _c("education", "enum", "文化程度", "aab008"),
        _c("school_status", "enum", "在校生状况", "在校生情况", "在校情况", "在校生状态", "aab009"),
        _c("health", "multi", "健康状况", "健康情况", "健康状态", "aab017"),
        _c("disability_certificate", "bool", "是否持残疾证", "残疾证"),
        _c("chronic_certificate", "bool", "是否办理慢病卡", "门诊慢特病证"),
        _c("family_doctor", "bool", "是否签约家庭医生", "家庭医生签约"),
        _c("medical_insurance", "enum", "基本医疗保险", "参保类型"),
        _c("insurance_exemption", "enum", "未参保原因", "不参保原因"),
        _c("premium_subsidy", "bool", "是否落实参保资助", "参保缴费资助"),
        _c("labour_capacity", "enum", "劳动技能", "劳动能力", "劳动技能情况", "aab010"),
        _c("months_away", "float", "务工时间（月）", "务工时间(月)", "务工时间"),
        _c("hukou_registered", "bool", "是否有户籍", "户籍"),
        _c("hukou_settled_date", "date", "落户日期"),
        _c("dibao", "bool", "是否享受低保", "是否享受农村居民最低生活保障", "aab030"),
        _c("tekun", "bool", "是否特困供养人员"),
        _c("phone", "str", "成员联系电话", "人联系电话", "家庭成员联系电话"),
    ),
)

VISITS = Table(
    "visits",
    "入户核查",
    ("household_id", "visit_date"),
    (
        _c("household_id", "str", "户编号", required=True),
        _c("visit_date", "date", "核查日期", "走访日期", required=True),
        _c("visitor", "str", "核查人", "走访干部"),
        _c("net_income_per_capita", "float", "核实人均纯收入"),
        _c("food_secure", "bool", "吃饭不愁"),
        _c("clothing_ok", "bool", "穿衣不愁"),
        _c("dropouts", "int", "义务教育阶段失学辍学人数"),
        _c("uninsured", "int", "未参保人数"),
        _c("house_safe", "bool", "住房是否安全"),
        _c("moved_in", "bool", "搬迁户是否入住"),
        _c("water_piped", "bool", "是否自来水入户"),
        _c("water_litres", "float", "人均日供水量(升)"),
        _c("water_quality_ok", "bool", "水质是否达标"),
        _c("water_trip_minutes", "float", "取水往返时间(分钟)"),
        _c("water_shortage_days", "int", "年缺水天数"),
        _c("approves", "bool", "是否认可"),
        _c("note", "str", "备注"),
    ),
)

PROJECTS = Table(
    "projects",
    "扶贫项目",
    ("project_id",),
    (
        _c("project_id", "str", "项目编号", required=True),
        _c("name", "str", "项目名称"),
        _c("category", "enum", "项目类别", enum="project_category"),
        _c("mode", "enum", "实施方式", enum="project_mode"),
        _c("township_code", "str", "乡镇代码", required=True),
        _c("village_code", "str", "村代码"),
        _c("budget", "float", "投资额(万元)", "资金(万元)"),
        _c("status", "enum", "项目状态", enum="project_status"),
        _c("planned_start", "date", "计划开工日期"),
        _c("actual_start", "date", "实际开工日期"),
        _c("planned_end", "date", "计划完工日期"),
        _c("owner_unit", "str", "实施单位", "责任单位"),
    ),
)

PROBLEMS = Table(
    "problems",
    "问题清单",
    ("problem_id",),
    (
        _c("problem_id", "str", "问题编号", required=True),
        _c("source", "enum", "问题来源", enum="problem_source"),
        _c("category", "enum", "问题类别", enum="problem_category"),
        _c("township_code", "str", "乡镇代码", required=True),
        _c("village_code", "str", "村代码"),
        _c("description", "str", "问题描述"),
        _c("found_date", "date", "发现日期"),
        _c("deadline", "date", "整改时限"),
        _c("owner_unit", "str", "责任单位"),
        _c("status", "enum", "整改状态", enum="problem_status"),
        _c("rectified_date", "date", "整改完成日期"),
    ),
)

COMPLAINTS = Table(
    "complaints",
    "信访投诉举报",
    ("complaint_id",),
    (
        _c("complaint_id", "str", "信访编号", required=True),
        _c("source", "enum", "来源", enum="complaint_source"),
        _c("township_code", "str", "乡镇代码", required=True),
        _c("village_code", "str", "村代码"),
        _c("category", "enum", "问题类别", enum="problem_category"),
        _c("summary", "str", "反映问题"),
        _c("received_date", "date", "受理日期"),
        _c("finding", "enum", "核查结论", enum="complaint_finding"),
    ),
)

#: All tables of a Dataset, in the order they are saved and loaded.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        TOWNSHIPS,
        VILLAGES,
        HOUSEHOLDS,
        MEMBERS,
        VISITS,
        PROJECTS,
        PROBLEMS,
        COMPLAINTS,
    )
}


def empty_frame(table: str) -> pd.DataFrame:
    """Return an empty frame with the columns and dtypes of ``table``."""
    t = TABLES[table]
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in t.columns})


def _compatible(col: Column, s: pd.Series) -> bool:
    dt = s.dtype
    if col.kind in ("str", "multi", "enum"):
        if isinstance(dt, pd.CategoricalDtype | pd.StringDtype) or dt is np.dtype(object):
            values = s.dropna()
            return bool(values.map(type).eq(str).all()) if dt is np.dtype(object) else True
        return False
    if col.kind == "date":
        return pd.api.types.is_datetime64_any_dtype(dt) or s.isna().all()
    if col.kind == "bool":
        if pd.api.types.is_bool_dtype(dt):
            return True
        return s.isna().all() or (dt is np.dtype(object) and s.dropna().map(type).eq(bool).all())
    if col.kind in ("int", "float"):
        if pd.api.types.is_bool_dtype(dt) or not pd.api.types.is_numeric_dtype(dt):
            return s.isna().all() and not isinstance(dt, pd.StringDtype)
        if col.kind == "int" and pd.api.types.is_float_dtype(dt):
            v = s.dropna().to_numpy(dtype="float64")
            return bool(np.all(v == np.round(v)))
        return True
    raise ValueError(col.kind)


def conform(frame: pd.DataFrame, table: str, *, source: str | None = None) -> pd.DataFrame:
    """Check a frame against the schema of ``table`` and cast to canonical dtypes.

    Columns are put in schema order; columns not in the schema are an error
    (they would be silently lost on save). Enumerated values outside the code
    list are an error naming the column and the first offending value.

    Parameters
    ----------
    frame : DataFrame
        The table's data.
    table : str
        Table name, a key of :data:`TABLES`.
    source : str, optional
        The file the frame came from, for messages.

    Returns
    -------
    DataFrame
        A new frame with exactly the schema's columns and dtypes.

    Raises
    ------
    SchemaError
        When a column is missing, unknown, of the wrong type, or holds a value
        outside its code list.
    """
    t = TABLES[table]
    missing = [n for n in t.names if n not in frame.columns]
    if missing:
        col = t.column(missing[0])
        raise SchemaError(
            f"表「{t.zh}」({table}) 缺少列「{col.zh}」({col.name})",
            f"table {table!r} is missing column {col.name!r}",
            table=table,
            file=source,
            column=col.name,
        )
    extra = [n for n in frame.columns if n not in t.names]
    if extra:
        raise SchemaError(
            f"表「{t.zh}」({table}) 有未定义的列 {extra[0]!r}",
            f"table {table!r} has a column not in the schema: {extra[0]!r}",
            table=table,
            file=source,
            column=str(extra[0]),
        )
    _check_key(frame, t, source)
    out = {}
    for col in t.columns:
        s = frame[col.name]
        if not _compatible(col, s):
            raise SchemaError(
                f"表「{t.zh}」({table}) 的列「{col.zh}」({col.name}) "
                f"应为{KIND_LABELS[col.kind]}类型，实际为 {s.dtype}",
                f"column {col.name!r} of table {table!r} should be of kind {col.kind!r}, "
                f"found dtype {s.dtype}",
                table=table,
                file=source,
                column=col.name,
            )
        if col.kind in ("enum", "multi"):
            _check_labels(col, s, t, source)
        out[col.name] = s.astype(col.dtype) if s.dtype != col.dtype else s
    return pd.DataFrame(out, index=frame.index)


def _check_key(frame: pd.DataFrame, t: Table, source: str | None) -> None:
    """Refuse a table whose key repeats, naming the key value and the rows (1-based).

    Visits are events, not entities: a household may be visited twice a day.
    """
    if not t.key or t.name == "visits":
        return
    dup = frame.duplicated(list(t.key), keep=False).to_numpy()
    if not dup.any():
        return
    rows = (np.flatnonzero(dup) + 1)[:5]
    first = frame.iloc[rows[0] - 1][list(t.key)]
    if "person_id" in first.index:  # a message can reach a log or a report: mask the ID
        from audit.privacy import mask_id

        first["person_id"] = mask_id(str(first["person_id"]))
    value = "、".join(map(str, first.tolist()))
    raise SchemaError(
        f"表「{t.zh}」({t.name}) 的键「{'+'.join(t.key)}」有重复值「{value}」"
        f"（第 {'、'.join(map(str, rows))} 行）",
        f"table {t.name!r} repeats key {'+'.join(t.key)} = {value!r} (rows {rows.tolist()})",
        table=t.name,
        file=source,
        column=t.key[0],
        row=int(rows[0]),
    )


def _check_labels(col: Column, s: pd.Series, t: Table, source: str | None) -> None:
    allowed = ENUMS[col.enum]
    values = pd.Series(s.dropna().unique()).astype(str)
    if col.kind == "multi":
        values = pd.Series(values.str.split(",").explode().str.strip().unique())
    bad = values[~values.isin(allowed)]
    if len(bad):
        raise SchemaError(
            f"表「{t.zh}」({t.name}) 的列「{col.zh}」出现代码表之外的值 {bad.iloc[0]!r}；"
            f"可用值：{'、'.join(allowed)}",
            f"column {col.name!r} of table {t.name!r} holds {bad.iloc[0]!r}, "
            f"which is not in code list {col.enum!r}",
            table=t.name,
            file=source,
            column=col.name,
        )
