"""Request and response shapes of the evaluation API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class RateRead(BaseModel):
    key: str
    label: str
    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator; null when the denominator is 0")
    excluded: list[str] = Field(description="counts that left the denominator under the rule set")


class UnitRead(BaseModel):
    level: str
    key: str = Field(description="node code, unit code, or person id (member)")
    name: str
    parent: str | None
    counts: dict[str, int]
    urgent_counts: dict[str, int]
    rates: dict[str, RateRead]
    mean_handle_hours: float | None
    p90_handle_hours: float | None


class IndicatorPage(BaseModel):
    period: str
    period_label: str
    level: str
    rules: str
    count_labels: dict[str, str]
    units: list[UnitRead]


class RankRead(BaseModel):
    key: str
    name: str
    parent: str | None
    peer: str
    rank: int | None = Field(description="within the peer group; null below the minimum sample")
    group_size: int
    score: float | None
    sample: int
    flag: str | None = Field(description="red (红旗) / yellow (黄旗) / null")


class RankingPage(BaseModel):
    period: str
    level: str
    scheme: str
    scheme_name: str
    max_points: float
    min_sample: int
    sample_count: str
    items: list[RankRead]


class DrillPage(BaseModel):
    period: str
    level: str
    key: str
    count: str
    excluded: list[str]
    urgent: bool
    total: int
    numbers: list[str]


class FlagRead(BaseModel):
    period: str
    level: str
    key: str
    name: str
    colour: str
    rank: int | None
    score: float | None
    scheme: str


class CockpitTile(BaseModel):
    """A module's counter on the cockpit: its total and its parts (e.g. active warnings by colour)."""

    key: str
    label: str
    total: int
    parts: list[tuple[str, int]]


class Cockpit(BaseModel):
    area: dict[str, Any]
    breadcrumbs: list[dict[str, str]]
    period: str
    period_label: str
    indicator: str
    indicators: dict[str, str]
    counters: dict[str, int]
    children: list[dict[str, Any]]
    child_level: str
    trend: dict[str, list[Any]]
    majors: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    tiles: list[CockpitTile] = Field(description="the enabled modules' counters (active warnings by colour …)")
    ranking: list[dict[str, Any]]
    scheme: str
    evaluated: bool = Field(description="false when only the live figures were asked for (the page's first answer)")
