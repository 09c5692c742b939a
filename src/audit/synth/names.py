"""Plausible Chinese names for synthetic people (surname + one or two given characters)."""

from __future__ import annotations

import numpy as np

__all__ = ["given_names", "surnames"]

# Common surnames of Tianshui, weighted roughly by frequency (most frequent first).
SURNAMES = np.array(
    list(
        "王李张刘陈杨赵马黄周吴徐孙朱胡郭何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
        "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟秦邱江尹薛闫段雷侯龙史陶"
        "贺顾毛郝龚邵万钱严武戴孔汤牛巩裴"
    )
)
_SURNAME_P = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8
_SURNAME_P /= _SURNAME_P.sum()

MALE_CHARS = np.array(
    list(
        "伟强军平刚勇杰磊涛斌明辉建国华文斌鹏飞龙海峰俊亮志宏浩天宇"
        "春生福贵成德林兴旺虎彪忠义学东永红"
    )
)
FEMALE_CHARS = np.array(
    list("芳娟敏静丽艳霞燕玲英梅兰琴秀萍红桂花娥翠莲凤珍霞雪婷娜瑞蓉春晓慧倩佳怡欣玉")
)


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` surnames."""
    return rng.choice(SURNAMES, size=n, p=_SURNAME_P)


def given_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Draw one given name (one or two characters) per element of the boolean array ``male``."""
    n = len(male)
    first = np.where(male, rng.choice(MALE_CHARS, n), rng.choice(FEMALE_CHARS, n))
    second = np.where(male, rng.choice(MALE_CHARS, n), rng.choice(FEMALE_CHARS, n))
    two = rng.random(n) < 0.7
    return np.where(two, np.char.add(first, second), first)
