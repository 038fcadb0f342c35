"""Synthetic people for the demo (pure). Names and phones are fictitious and marked as such:
phones use the prefix 100, which no Chinese mobile network issues."""

from __future__ import annotations

import numpy as np

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国平刚桂兰玉萍红霞志海波晨晓燕鹏飞辉"
    "俊峰雪琳佳宇浩然欣怡子涵梓轩思远嘉豪文博天翊晨曦一诺雨桐"
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def synthetic_name(rng: np.random.Generator) -> str:
    surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
    size = 1 if rng.random() < 0.3 else 2
    return surname + "".join(GIVEN[int(rng.integers(len(GIVEN)))] for _ in range(size))


def synthetic_phone(index: int) -> str:
    """Unique for every index below 10⁸ (7919 is coprime with 10⁸)."""
    return f"100{(index * 7919 + 20_240_601) % 10**8:08d}"


def synthetic_id_number(rng: np.random.Generator, region: str = "330111") -> str:
    """An 18-character number in the GB 11643 layout with a valid check character."""
    year = int(rng.integers(1960, 2000))
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29))
    body = f"{region}{year:04d}{month:02d}{day:02d}{int(rng.integers(0, 1000)):03d}"
    check = ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check
