"""Visit lists (入户核查名单): one Excel workbook per township for the cadres.

Each list holds the township's sampled households (who to visit) and, as columns
to fill in at the door, the questions for the census indicators (两不愁三保障 and
safe drinking water, census-rules.md §A–B) with the headers of the ``visits``
table (:data:`audit.schema.TABLES`), so a filled list can be ingested back as
``visits``. Answers have data-validation lists (是/否: for the approval column,
是 = 认可, 否 = 不认可, the values the ingestion of ``visits`` reads as booleans) or
number checks; each header carries the question as a comment and as an input prompt.

Privacy (DESIGN.md "Private by default"): a township's list goes to that
township's cadres only and holds only its households, so names and ID numbers
are shown in full by default; ``mask=True`` masks them (:mod:`audit.privacy`)
for any other use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from audit.excel import as_text_cells
from audit.fsutil import unit_folder
from audit.privacy import mask_id, mask_name
from audit.schema import TABLES

__all__ = [
    "ANSWERS",
    "FILE_NAME",
    "QUESTIONS",
    "visit_list_frame",
    "write_visit_list",
    "write_visit_lists",
]

FILE_NAME = "入户核查名单.xlsx"
SHEET = "入户核查名单"

#: Answers offered by the dropdowns and their meaning. They are the 是/否 the
#: ingestion of ``visits`` reads as booleans, so a filled list goes back unchanged.
ANSWERS = {"是": True, "否": False}

_YES_NO = '"是,否"'

#: Door questions: visits column → (validation, question asked at the door, column width).
#: Validation is a list formula, "whole", "decimal", "date" or None (free text).
QUESTIONS: dict[str, tuple[str | None, str, int]] = {
    "visit_date": ("date", "入户核查的日期（年-月-日）", 12),
    "visitor": (None, "核查人姓名", 10),
    "net_income_per_capita": ("decimal", "核实的上年家庭人均纯收入（元/人·年）", 12),
    "food_secure": (_YES_NO, "吃饭不愁：有稳定的口粮来源，平时能吃上肉蛋奶或豆制品吗？", 9),
    "clothing_ok": (_YES_NO, "穿衣不愁：四季有换季衣服、冬天有御寒被褥吗？", 9),
    "dropouts": (
        "whole",
        "家中6–15岁儿童有几人失学辍学（不含送教上门、经鉴定不具备学习条件）？",
        11,
    ),
    "uninsured": ("whole", "家中有几人未参加基本医疗保险（不含有正当理由者）？", 10),
    "house_safe": (_YES_NO, "住房安全：现住房为A/B级或已改造验收、或已搬迁入住新房？", 10),
    "moved_in": (_YES_NO, "易地扶贫搬迁户是否已入住新房？（非搬迁户不填）", 11),
    "water_piped": (_YES_NO, "自来水是否入户？", 9),
    "water_litres": ("decimal", "人均每天供水量（升）", 10),
    "water_quality_ok": (_YES_NO, "水质是否达标（无色、无味、无异物，集中供水有检测报告）？", 10),
    "water_trip_minutes": ("decimal", "未入户时，往返取水一次需要多少分钟？（入户填0）", 11),
    "water_shortage_days": ("whole", "一年中有多少天缺水？", 10),
    "approves": (
        _YES_NO,
        "群众认可度：您对本地脱贫攻坚工作和脱贫结果是否认可？（认可填「是」）",
        10,
    ),
    "note": (None, "其他需要说明的情况", 24),
}

#: Identity columns: key → (header, width, text format).
_IDENTITY = {
    "row": ("序号", 6, False),
    "township": ("乡镇", 10, False),
    "village": ("行政村", 12, False),
    "household_id": (TABLES["visits"].column("household_id").zh, 20, True),
    "head_name": ("户主姓名", 10, False),
    "head_id": ("户主身份证号", 21, True),
    "people": ("家庭人数", 8, False),
    "phone": ("联系电话", 13, True),
    "status": ("户类型", 9, False),
}
_FREEZE = "F2"  # header row and the columns up to the head's name stay in view


def _heads(dataset) -> pd.DataFrame:
    m = dataset.members
    heads = m[m["relation"].astype("str") == "户主"].sort_values(["household_id", "person_id"])
    heads = heads.drop_duplicates("household_id")
    return heads.set_index("household_id")[["name", "person_id", "phone"]]


def visit_list_frame(sample: pd.DataFrame, dataset, mask: bool = False) -> pd.DataFrame:
    """The rows of the visit lists: who to visit, with empty answer columns.

    Parameters
    ----------
    sample : DataFrame
        Sampled households (``household_id``, ``village_code``, ``township_code``,
        ``status``, ``people``), as drawn by :func:`audit.sampling.draw`.
    dataset : Dataset
        For names, ID numbers and phones of household heads, and place names.
    mask : bool
        Mask names and ID numbers.

    Returns
    -------
    DataFrame
        Columns keyed as in :data:`_IDENTITY` plus the ``visits`` columns of
        :data:`QUESTIONS` (empty), with ``township_code``; sorted by township,
        village, status and household.
    """
    heads = _heads(dataset)
    phones = dataset.households.set_index("household_id")["phone"]
    towns = dataset.townships.set_index("township_code")["name"]
    villages = dataset.villages.set_index("village_code")["name"]
    ids = sample["household_id"].astype("str")
    head = heads.reindex(ids)
    name = head["name"].reset_index(drop=True)
    pid = head["person_id"].reset_index(drop=True)
    if mask:
        name, pid = mask_name(name), mask_id(pid)
    phone = phones.reindex(ids).reset_index(drop=True).fillna(head["phone"].reset_index(drop=True))
    out = pd.DataFrame(
        {
            "township_code": sample["township_code"].astype("str").to_numpy(),
            "township": sample["township_code"].map(towns).astype("str").to_numpy(),
            "village": sample["village_code"].map(villages).astype("str").to_numpy(),
            "household_id": ids.to_numpy(),
            "head_name": name.to_numpy(),
            "head_id": pid.to_numpy(),
            "people": sample["people"].to_numpy() if "people" in sample else np.nan,
            "phone": phone.to_numpy(),
            "status": sample["status"].astype("str").to_numpy() if "status" in sample else None,
        }
    )
    out = out.sort_values(["township_code", "village", "status", "household_id"], ignore_index=True)
    out.insert(1, "row", out.groupby("township_code").cumcount() + 1)
    for col in QUESTIONS:
        out[col] = None
    return out


def _validation(kind: str, question: str) -> DataValidation:
    common = {
        "allow_blank": True,
        "showErrorMessage": True,
        "showInputMessage": True,
        "errorTitle": "输入无效",
        "promptTitle": "入户核查",
        "prompt": question[:250],
    }
    if kind == "whole":
        return DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            error="请填写不小于0的整数",
            **common,
        )
    if kind == "decimal":
        return DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            error="请填写不小于0的数值",
            **common,
        )
    if kind == "date":
        return DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",  # after 2000-01-01
            error="请填写日期，如 2024-04-15",
            **common,
        )
    return DataValidation(type="list", formula1=kind, error="请从下拉列表中选择", **common)


def write_visit_list(rows: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Write one township's visit list (rows of :func:`visit_list_frame`) to ``path``.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    visits = TABLES["visits"]
    headers = [h for h, _, _ in _IDENTITY.values()] + [visits.column(c).zh for c in QUESTIONS]
    widths = [w for _, w, _ in _IDENTITY.values()] + [w for _, _, w in QUESTIONS.values()]
    ws.append(headers)
    keys = list(_IDENTITY) + list(QUESTIONS)
    cells = rows[keys].astype(object).where(rows[keys].notna(), None)
    # data strings stay text: a name typed as "=HYPERLINK(...)" must not become a formula
    values = np.column_stack([as_text_cells(ws, cells[k].to_numpy()) for k in keys]).tolist()
    for r in values:
        ws.append(r)
    last = max(len(rows) + 1, 2)
    thin = Side(style="thin", color="999999")
    head_font = Font(bold=True)
    ask_fill = PatternFill("solid", fgColor="FFF2CC")
    id_fill = PatternFill("solid", fgColor="DDEBF7")
    for j, key in enumerate(keys, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(row=1, column=j)
        cell.font = head_font
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(bottom=thin)
        cell.fill = ask_fill if key in QUESTIONS else id_fill
        ws.column_dimensions[letter].width = widths[j - 1]
        if key in _IDENTITY and _IDENTITY[key][2]:
            for (c,) in ws.iter_rows(min_row=2, max_row=last, min_col=j, max_col=j):
                c.number_format = "@"
        if key in QUESTIONS:
            kind, question, _ = QUESTIONS[key]
            cell.comment = Comment(question, "审计工作簿")
            if key == "visit_date":
                for (c,) in ws.iter_rows(min_row=2, max_row=last, min_col=j, max_col=j):
                    c.number_format = "yyyy-mm-dd"
            if kind is not None:
                dv = _validation(kind, question)
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{last}")
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = _FREEZE
    ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{last}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _instructions(wb, title, len(rows))
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _instructions(wb: Workbook, title: str, n: int) -> None:
    ws = wb.create_sheet("填写说明")
    lines = [
        title or "入户核查名单",
        f"本名单共 {n} 户，均为随机抽取的样本户，请逐户入户核查，不得替换。",
        "白底蓝头的列为样本户信息，请勿修改；黄头的列为入户核查时填写的内容。",
        "是/否请从下拉列表中选择（“是否认可”一栏：认可填“是”，不认可填“否”）；"
        "人数、天数填整数；收入、水量、时间填数字。",
        "填好后原样交回（不要改动表头和户编号），下次运行审计时将自动读入。",
        "",
        "核查问题：",
    ]
    visits = TABLES["visits"]
    lines += [f"{visits.column(k).zh}：{q}" for k, (_, q, _) in QUESTIONS.items()]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 100


def write_visit_lists(
    sample: pd.DataFrame, dataset, out_dir: str | Path, mask: bool = False
) -> dict[str, Path]:
    """Write one 入户核查名单.xlsx per township under ``out_dir/townships/<code>-<name>/``.

    Parameters
    ----------
    sample : DataFrame
        Sampled households (both frames may be mixed; ``status`` tells them apart).
    dataset : Dataset
        For names, IDs, phones and place names.
    out_dir : str or Path
        The run's output folder.
    mask : bool
        Mask names and ID numbers.

    Returns
    -------
    dict
        Township code → file written.
    """
    rows = visit_list_frame(sample, dataset, mask=mask)
    towns = dataset.townships.set_index("township_code")["name"]
    county = dataset.meta.get("county_name", "")
    written = {}
    for code, part in rows.groupby("township_code", sort=True):  # over townships
        name = towns.get(code, code)
        title = f"{county}{name} 入户核查名单（{len(part)} 户）"
        path = Path(out_dir) / "townships" / unit_folder(code, name) / FILE_NAME
        written[code] = write_visit_list(part, path, title)
    return written
