"""Composite scores, rankings with a minimum sample and peer groups, and red/yellow flags (pure).

A scheme is a list of items, each turning one rate or count into points:

* ``rate`` — weight × rate (or × (1 − rate) for rates where lower is better): the 金牛 weighted rates.
* ``threshold`` — full points at or above ``full_at``, minus ``per_point`` for each percentage point below,
  never below 0; without ``per_point`` it is all or nothing: the 金华 按期结案率/结案率/紧急问题 items.
* ``deduction`` — minus ``per`` for every counted case: the 金华 返工 deductions.

A rate with no denominator (nothing to measure) scores as the item's ``when_empty`` says (full by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridgov.evaluation.indicators import COUNT_LABELS, RATE_BY_KEY, Counts, Rate


class Empty(StrEnum):
    full = "full"
    zero = "zero"


class RateItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["rate"] = "rate"
    rate: str
    weight: float = Field(gt=0)
    invert: bool = Field(default=False, description="score (1 − rate): for 返工率, 延期率, 超期待处置率")
    when_empty: Empty = Empty.full


class ThresholdItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["threshold"] = "threshold"
    rate: str
    points: float = Field(gt=0)
    full_at: float = Field(ge=0, le=1, description="rate (0–1) that earns the full points")
    per_point: float | None = Field(
        default=None, ge=0, description="points lost per percentage point below full_at; none = all or nothing"
    )
    when_empty: Empty = Empty.full


class DeductionItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["deduction"] = "deduction"
    count: str
    per: float = Field(gt=0, description="points deducted per case")


Item = Annotated[RateItem | ThresholdItem | DeductionItem, Field(discriminator="kind")]


class Scheme(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    source: str = ""
    rules: str = Field(default="national", description="rule set of the denominators (evaluation.rules)")
    sample: str = Field(default="due_close", description="the count that must reach the minimum sample")
    max_points: float = Field(gt=0)
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_names(self) -> Scheme:
        for item in self.items:
            if isinstance(item, DeductionItem):
                if item.count not in COUNT_LABELS:
                    raise ValueError(f"unknown count {item.count}")
            elif item.rate not in RATE_BY_KEY and "." not in item.rate:
                raise ValueError(f"unknown rate {item.rate} (a module's indicator is named module.key)")
        if self.sample not in COUNT_LABELS:
            raise ValueError(f"unknown sample count {self.sample}")
        return self


@dataclass(frozen=True)
class ItemScore:
    label: str
    points: float
    detail: str


@dataclass(frozen=True)
class Score:
    total: float
    items: tuple[ItemScore, ...]


def _item(item: RateItem | ThresholdItem | DeductionItem, rates: Mapping[str, Rate], counts: Counts) -> ItemScore:
    if isinstance(item, DeductionItem):
        n = int(getattr(counts, item.count))
        return ItemScore(COUNT_LABELS[item.count], -item.per * n, f"{n}×{item.per:g}")
    r = rates.get(item.rate)
    if r is None:  # a module's indicator with no figure for this unit (or a module not enabled)
        points = (item.weight if isinstance(item, RateItem) else item.points) if item.when_empty is Empty.full else 0.0
        return ItemScore(item.rate, points, "无数据 (no figure)")
    value = r.value
    if isinstance(item, RateItem):
        if value is None:
            points = item.weight if item.when_empty is Empty.full else 0.0
        else:
            points = item.weight * ((1 - value) if item.invert else value)
        label = f"(1−{r.label})" if item.invert else r.label
        return ItemScore(label, points, f"{r.numerator}/{r.denominator}×{item.weight:g}")
    if value is None:
        points = item.points if item.when_empty is Empty.full else 0.0
    elif value >= item.full_at - 1e-12:
        points = item.points
    elif item.per_point is None:
        points = 0.0
    else:
        points = max(0.0, item.points - item.per_point * (item.full_at - value) * 100)
    return ItemScore(r.label, points, f"{r.numerator}/{r.denominator}, ≥{item.full_at * 100:g}%得{item.points:g}分")


def score(scheme: Scheme, rates: Mapping[str, Rate], counts: Counts) -> Score:
    items = tuple(_item(item, rates, counts) for item in scheme.items)
    return Score(round(sum(i.points for i in items), 4), items)


# ranking ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    key: str
    score: float | None
    sample: int
    peer: str = ""


@dataclass(frozen=True)
class Ranked:
    key: str
    score: float | None
    sample: int
    peer: str
    rank: int | None
    """Competition rank within the peer group (1, 2, 2, 4); None below the minimum sample."""
    group_size: int
    """How many units of the peer group are ranked."""


def rank(entries: Sequence[Entry], min_sample: int) -> list[Ranked]:
    """Rank by score (highest first) within each peer group; units whose sample is below ``min_sample``
    (or that have no score) are listed unranked, after the ranked ones of their group."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.peer, []).append(entry)
    result: list[Ranked] = []
    for peer in sorted(groups):
        members = groups[peer]
        eligible = sorted(
            (e for e in members if e.score is not None and e.sample >= max(min_sample, 1)),
            key=lambda e: (-(e.score or 0.0), -e.sample, e.key),
        )
        rest = sorted((e for e in members if e not in eligible), key=lambda e: (-e.sample, e.key))
        previous: float | None = None
        current = 0
        for position, e in enumerate(eligible, start=1):
            if previous is None or abs((e.score or 0.0) - previous) > 1e-9:
                current, previous = position, e.score
            result.append(Ranked(e.key, e.score, e.sample, peer, current, len(eligible)))
        result += [Ranked(e.key, e.score, e.sample, peer, None, len(eligible)) for e in rest]
    return result


class Colour(StrEnum):
    red = "red"
    yellow = "yellow"

    @property
    def label(self) -> str:
        return {"red": "红旗", "yellow": "黄旗"}[self.value]


class FlagRule(BaseModel):
    """Red: the top ``top`` of a peer group (ties share), and/or a score of at least ``min_score``.
    Yellow: the bottom ``bottom``, and/or a score below ``below``. Both conditions given = both needed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    top: int | None = Field(default=None, ge=1)
    min_score: float | None = None
    bottom: int | None = Field(default=None, ge=1)
    below: float | None = None


def assign_flags(ranked: Sequence[Ranked], rule: FlagRule) -> dict[str, Colour]:
    """Flags for ranked units only; a unit never gets both (red wins in a group too small to tell)."""
    flags: dict[str, Colour] = {}
    for r in ranked:
        if r.rank is None or r.score is None:
            continue
        red_by_rank = rule.top is None or r.rank <= rule.top
        red_by_score = rule.min_score is None or r.score >= rule.min_score
        if (rule.top is not None or rule.min_score is not None) and red_by_rank and red_by_score:
            flags[r.key] = Colour.red
            continue
        worse = sum(1 for o in ranked if o.peer == r.peer and o.rank is not None and o.rank > r.rank)
        yellow_by_rank = rule.bottom is None or worse < rule.bottom
        yellow_by_score = rule.below is None or r.score < rule.below
        if (rule.bottom is not None or rule.below is not None) and yellow_by_rank and yellow_by_score:
            flags[r.key] = Colour.yellow
    return flags
