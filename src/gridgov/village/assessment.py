"""The village-team assessment's arithmetic (村级班子考核, seed 001 洪桥), pure.

A village's quarter is the sum of its 月晒季考 indicators' scores in that quarter. Its year is the mean of its
four quarters plus its annual common indicators and its individual tasks (个性任务). A cadre's result is linked to
the village's by the configured weights (1:1:1: the village's result on a 100-point scale, the cadre's own duty
score and the appraisal score), graded by thresholds, and the bonus pool is split by grade coefficient times the
post's factor (differentiated 绩效奖金)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from gridgov.village.economy import split

MONTHLY, ANNUAL = "monthly", "annual"
COMMON, INDIVIDUAL = "common", "individual"


@dataclass(frozen=True)
class Indicator:
    code: str
    kind: str
    """common 共性 / individual 个性."""
    cadence: str
    """monthly (shown monthly, scored quarterly: 月晒季考) / annual 年度."""
    max_points: float


@dataclass(frozen=True)
class Ranked:
    village: str
    score: float
    rank: int


def rank(totals: Mapping[str, float]) -> list[Ranked]:
    """Highest first; equal scores share a rank and the next rank skips (1, 2, 2, 4); ties listed by code."""
    ordered = sorted(totals.items(), key=lambda kv: (-round(kv[1], 6), kv[0]))
    found: list[Ranked] = []
    for i, (village, score) in enumerate(ordered):
        same = found and round(found[-1].score, 6) == round(score, 6)
        found.append(Ranked(village, round(score, 4), found[-1].rank if same else i + 1))
    return found


def quarter_totals(
    indicators: Sequence[Indicator], scores: Mapping[tuple[str, str], float], villages: Sequence[str]
) -> dict[str, float]:
    """Village → the sum of its quarterly-scored indicators' scores (``scores``: (village, indicator) → points),
    each capped at the indicator's maximum; a missing score counts 0."""
    quarterly = [i for i in indicators if i.cadence == MONTHLY]
    return {v: sum(min(scores.get((v, i.code), 0.0), i.max_points) for i in quarterly) for v in villages}


def year_totals(
    indicators: Sequence[Indicator],
    quarters: Sequence[Mapping[str, float]],
    annual: Mapping[tuple[str, str], float],
    villages: Sequence[str],
) -> dict[str, float]:
    """Village → the mean of its quarter totals (quarters not yet scored count 0: a year is four quarters) plus
    its annual and individual scores, each capped at the indicator's maximum (individual tasks are per village:
    only the village's own count)."""
    yearly = [i for i in indicators if i.cadence == ANNUAL]
    found: dict[str, float] = {}
    for v in villages:
        quarterly = sum(q.get(v, 0.0) for q in quarters) / 4
        found[v] = quarterly + sum(min(annual.get((v, i.code), 0.0), i.max_points) for i in yearly)
    return found


def full_marks(indicators: Sequence[Indicator], individual_of: Mapping[str, Sequence[str]], village: str) -> float:
    """The most a village can score in a year: every common indicator plus its own individual tasks."""
    own = set(individual_of.get(village, ()))
    return sum(i.max_points for i in indicators if i.kind == COMMON or i.code in own)


@dataclass(frozen=True)
class Grade:
    name: str
    minimum: float
    coefficient: Decimal


def cadre_total(village_percent: float, duty: float, appraisal: float, weights: tuple[float, float, float]) -> float:
    """The cadre's result linked to the village's (1:1:1 by default): a weighted mean of three 100-point parts."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("权重之和应大于0 (weights must add up to more than 0)")
    parts = (village_percent, duty, appraisal)
    return round(sum(p * w for p, w in zip(parts, weights, strict=True)) / total, 4)


def grade_of(score: float, grades: Sequence[Grade]) -> Grade:
    """The highest grade whose minimum the score reaches (grades need one with minimum 0)."""
    for grade in sorted(grades, key=lambda g: -g.minimum):
        if score >= grade.minimum:
            return grade
    raise ValueError(f"没有适用的等次 (no grade for {score})")


def bonuses(pool: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The pool split by each cadre's weight (grade coefficient × post factor) to the fen, adding up exactly;
    a pool nobody earns (all weights 0) pays nothing."""
    return split(pool, weights)
