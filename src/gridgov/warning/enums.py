"""Enumerations of the warning domain."""

from __future__ import annotations

from enum import StrEnum


class Colour(StrEnum):
    """The four warning colours of 地质灾害气象风险预警, lowest first (blue is optional)."""

    blue = "blue"
    yellow = "yellow"
    orange = "orange"
    red = "red"

    @property
    def rank(self) -> int:
        """1 blue … 4 red; 0 is "no warning" throughout the module."""
        return _RANKS[self.value]

    @property
    def label(self) -> str:
        return {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}[self.value]

    @property
    def level(self) -> str:
        """The national level name: 四级 (blue) … 一级 (red)."""
        return {"blue": "四级", "yellow": "三级", "orange": "二级", "red": "一级"}[self.value]

    @property
    def risk(self) -> str:
        return {"blue": "有一定风险", "yellow": "风险较高", "orange": "风险高", "red": "风险很高"}[self.value]

    @classmethod
    def from_rank(cls, rank: int) -> Colour | None:
        return None if rank <= 0 else COLOURS[rank - 1]


_RANKS = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
COLOURS: tuple[Colour, ...] = (Colour.blue, Colour.yellow, Colour.orange, Colour.red)


class Hazard(StrEnum):
    geo = "geo"
    """地质灾害 (rainfall-induced landslides, debris flows, collapses)."""


class WarningState(StrEnum):
    active = "active"
    cancelled = "cancelled"
    expired = "expired"

    @property
    def label(self) -> str:
        return {"active": "生效", "cancelled": "已解除", "expired": "已过期"}[self.value]


class Change(StrEnum):
    """What one evaluation did to a zone's warning; a caller notifies on these."""

    issued = "issued"
    upgraded = "upgraded"
    downgraded = "downgraded"
    renewed = "renewed"
    cancelled = "cancelled"
    expired = "expired"

    @property
    def label(self) -> str:
        return {
            "issued": "发布",
            "upgraded": "升级",
            "downgraded": "降级",
            "renewed": "续期",
            "cancelled": "解除",
            "expired": "过期",
        }[self.value]


class Importance(StrEnum):
    """风险防范区等级 (Fuyang: 5 key, 24 secondary, 741 general)."""

    key = "key"
    secondary = "secondary"
    general = "general"

    @property
    def label(self) -> str:
        return {"key": "重点", "secondary": "次重点", "general": "一般"}[self.value]


class ResponsibleLevel(StrEnum):
    """The levels of people responsible for a zone (区、乡、村、网格 + 群测群防员)."""

    district = "district"
    township = "township"
    village = "village"
    grid = "grid"
    monitor = "monitor"

    @property
    def label(self) -> str:
        return {
            "district": "区级责任人",
            "township": "乡镇(街道)责任人",
            "village": "村(社区)责任人",
            "grid": "网格员",
            "monitor": "群测群防员",
        }[self.value]
