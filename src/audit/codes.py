"""Code lists (enumerations) of the registry, stored as their Chinese labels.

Labels follow the national poverty information system's exports (G1: 2016–2020
建档立卡 system; G2: 2021 on 防返贫监测 system), see
``shared/reference/registry-exports.md``. The Dataset stores the label a user
reads and types; synonyms seen in exports map to these labels at ingestion.
"""

from __future__ import annotations

__all__ = ["ENUMS", "IN_SCHOOL", "OWNER_UNITS", "REGISTERED", "SYNONYMS"]

#: Household status in the registry: registered (未脱贫, 已脱贫) or not (一般农户).
HOUSEHOLD_STATUS = ("未脱贫", "已脱贫", "一般农户")
REGISTERED = ("未脱贫", "已脱贫")
#: School statuses of a member currently in school (pre-school included).
IN_SCHOOL = (
    "学前教育", "小学", "七年级", "八年级", "九年级", "普通高中一年级", "普通高中二年级",
    "普通高中三年级", "中职一年级", "中职二年级", "中职三年级", "高职高专一年级",
    "高职高专二年级", "高职高专三年级", "本科及以上",
)  # fmt: skip

ENUMS: dict[str, tuple[str, ...]] = {
    "household_status": HOUSEHOLD_STATUS,
    "poverty_attribute": ("一般贫困户", "低保贫困户", "特困供养贫困户"),
    "monitoring_type": ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户"),
    "main_cause": (
        "因病",
        "因残",
        "因学",
        "因灾",
        "缺土地",
        "缺水",
        "缺技术",
        "缺劳动力",
        "缺资金",
        "交通条件落后",
        "自身发展动力不足",
        "因婚",
        "因丧",
        "其他",
    ),
    "house_grade": ("A", "B", "C", "D"),
    "relation": (
        "户主",
        "配偶",
        "之子",
        "之女",
        "之儿媳",
        "之女婿",
        "之孙子",
        "之孙女",
        "之外孙子",
        "之外孙女",
        "之父",
        "之母",
        "之岳父",
        "之岳母",
        "之公公",
        "之婆婆",
        "之祖父",
        "之祖母",
        "之外祖父",
        "之外祖母",
        "之兄弟姐妹",
        "之兄弟媳妇",
        "之曾孙子",
        "之曾孙女",
        "之侄儿",
        "之侄女",
        "之叔伯",
        "其他",
    ),
    "sex": ("男", "女"),
    "education": (
        "学龄前儿童",
        "文盲或半文盲",
        "小学",
        "初中",
        "高中",
        "中专",
        "大专",
        "本科及以上",
    ),
    "school_status": (
        "非在校生",
        "学前教育",
        "小学",
        "七年级",
        "八年级",
        "九年级",
        "普通高中一年级",
        "普通高中二年级",
        "普通高中三年级",
        "中职一年级",
        "中职二年级",
        "中职三年级",
        "高职高专一年级",
        "高职高专二年级",
        "高职高专三年级",
        "本科及以上",
        "送教上门",
        "经鉴定不具备学习条件",
    ),
    "health": ("健康", "长期慢性病", "大病", "残疾"),
    "labour_capacity": ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力"),
    "medical_insurance": ("城乡居民基本医疗保险", "职工基本医疗保险", "未参保"),
    "insurance_exemption": ("异地参保", "服兵役", "服刑", "学生异地参保", "新生儿参保中"),
    "project_category": ("产业发展类", "基础设施类", "公共服务类"),
    "project_mode": ("工程类", "采购类", "一事一议"),
    "project_status": ("未开工", "已开工", "已完工"),
    "problem_category": (
        "义务教育",
        "安全住房",
        "基本医疗",
        "安全饮水",
        "产业培育",
        "就业扶贫",
        "村组道路",
        "易地扶贫搬迁",
        "兜底保障",
        "东西部扶贫协作和定点帮扶",
    ),
    "problem_source": ("省级反馈", "市级反馈", "县级排查", "乡镇自查"),
    "problem_status": ("未整改", "整改中", "已整改"),
    "complaint_source": ("省级转办", "市级转办"),
    "complaint_finding": ("属实", "部分属实", "不属实", "核查中"),
}

#: Synonyms seen in exports and typed by hand → the stored label.
SYNONYMS: dict[str, dict[str, str]] = {
    "household_status": {"脱贫户": "已脱贫", "普通农户": "一般农户", "贫困户": "未脱贫"},
    "poverty_attribute": {
        "五保贫困户": "特困供养贫困户",
        "一般脱贫户": "一般贫困户",
        "低保脱贫户": "低保贫困户",
        "特困供养脱贫户": "特困供养贫困户",
    },
    "main_cause": {"缺劳力": "缺劳动力"},
    "relation": {"本人或户主": "户主", "本人": "户主"},
    "health": {"患有大病": "大病"},
    "education": {"大专及以上": "大专"},
    "school_status": {
        "硕士生及以上": "本科及以上",
        "硕士研究生及以上": "本科及以上",
        "高中一年级": "普通高中一年级",
        "高中二年级": "普通高中二年级",
        "高中三年级": "普通高中三年级",
        "高职一年级": "高职高专一年级",
        "高职二年级": "高职高专二年级",
        "高职三年级": "高职高专三年级",
    },
    "medical_insurance": {
        "新农合": "城乡居民基本医疗保险",
        "城乡居民医保": "城乡居民基本医疗保险",
        "职工医保": "职工基本医疗保险",
        "新型农村合作医疗": "城乡居民基本医疗保险",
        "城镇职工基本医疗保险": "职工基本医疗保险",
    },
    "house_grade": {"危房C类": "C", "危房D类": "D"},
    "sex": {"1": "男", "2": "女"},
}

#: The department (责任单位) that owns each problem category.
OWNER_UNITS: dict[str, str] = {
    "义务教育": "教育局",
    "安全住房": "住建局",
    "基本医疗": "医保局",
    "安全饮水": "水务局",
    "产业培育": "农业农村局",
    "就业扶贫": "人社局",
    "村组道路": "交通运输局",
    "易地扶贫搬迁": "发展和改革局",
    "兜底保障": "民政局",
    "东西部扶贫协作和定点帮扶": "乡村振兴局",
}
