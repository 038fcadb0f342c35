"""亩均论英雄 scoring (pure, no I/O): indicator values from an enterprise's yearly figures, item scores against
the population's benchmark, the total, and the A/B/C/D class by rank share or by score threshold.

Who is evaluated, and how missing data counts, follows the scheme document (``per_mu.yaml``): a 规下 firm
below ``min_land_mu`` and a firm not yet in production are not evaluated; a missing figure either takes the
population's average item score (``when_missing: average``, 黄岩's rule for emissions) or leaves the firm
unclassified with the missing figure named (``exclude``) — never a silent zero.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Figure = Literal[
    "tax", "value_added", "land_mu", "energy_tce", "emission_t", "employees", "rd", "revenue", "electricity_mwh"
]
FIGURES: tuple[str, ...] = get_args(Figure)
"""The yearly figures a scheme's indicators divide (税收, 工业增加值 and 研发经费 and 主营业务收入 in 万元; land in
亩; 综合能耗 in 吨标煤; 主要污染物排放 in 吨; 年平均职工人数; 用电量 in MWh)."""
CLASSES = ("A", "B", "C", "D")


class Status(StrEnum):
    classified = "classified"
    vetoed = "vetoed"
    """一票否决 (a major safety or environmental violation): class D whatever the score."""
    incomplete = "incomplete"
    """A figure the scheme needs is missing: not classified until it is supplied."""
    not_evaluated = "not_evaluated"
    """Outside the evaluation (规下 below the land threshold, not yet in production)."""


class IndicatorSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z_]+$")
    name: str
    unit: str = ""
    numerator: Figure
    denominator: Figure
    weight: float = Field(gt=0, le=100)
    scale: float = Field(default=1.0, gt=0, description="Multiplier to the unit shown (10: 万元/MWh → 元/kWh)")
    when_missing: Literal["exclude", "average"] = "exclude"
    benchmark: float | None = Field(default=None, gt=0, description="Fixed benchmark; none: the population mean")


class Population(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    name_en: str = ""
    indicators: list[IndicatorSpec] = Field(min_length=1)


class ClassSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    share: float = Field(ge=0, le=1)
    min_score: float = Field(ge=0)
    name: str
    name_en: str = ""


class Classes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["shares", "thresholds"] = "shares"
    A: ClassSpec
    B: ClassSpec
    C: ClassSpec
    D: ClassSpec

    def spec(self, name: str) -> ClassSpec:
        spec: ClassSpec = getattr(self, name)
        return spec

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Classes:
        total = sum(self.spec(c).share for c in CLASSES)
        if self.mode == "shares" and not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"class shares must add up to 1 (they add up to {total:g})")
        return self


class PolicyItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    resource: str
    measure: str
    amount: float | None = None
    unit: str = ""


class Scheme(BaseModel):
    """The ``enterprise_service.per_mu`` document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    year_label: str = "评价年度"
    min_land_mu: float = Field(default=3.0, ge=0)
    method: Literal["ratio", "minmax20"] = "ratio"
    cap: float | None = Field(default=None, gt=0)
    populations: dict[Literal["above_scale", "below_scale"], Population]
    classes: Classes
    policies: dict[Literal["A", "B", "C", "D"], list[PolicyItem]] = Field(default_factory=dict)


class Figures(NamedTuple):
    """One enterprise's figures of one year, as entered (None: not supplied)."""

    key: int
    above_scale: bool
    in_production: bool = True
    veto: str | None = None
    values: Mapping[str, float | None] = MappingProxyType({})


class Part(NamedTuple):
    key: str
    value: float | None
    """The indicator's value in its unit (None: missing)."""
    benchmark: float | None
    weight: float
    score: float | None
    imputed: bool = False
    """The item took the population's average score (its figure was missing)."""


class Result(NamedTuple):
    key: int
    population: str | None
    status: Status
    score: float | None = None
    rank: int | None = None
    of: int | None = None
    klass: str | None = None
    parts: tuple[Part, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""


def indicator_value(spec: IndicatorSpec, values: Mapping[str, float | None]) -> float | None:
    """numerator ÷ denominator × scale; None when either is missing or the denominator is not positive."""
    numerator, denominator = values.get(spec.numerator), values.get(spec.denominator)
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator * spec.scale


def population_of(figures: Figures, scheme: Scheme) -> tuple[str | None, str]:
    """The population an enterprise is evaluated in, or None with the reason it is not evaluated."""
    if not figures.in_production:
        return None, "未投产，不参评 (not in production)"
    if figures.above_scale:
        return "above_scale", ""
    land = figures.values.get("land_mu")
    if land is not None and land < scheme.min_land_mu:
        return (
            None,
            f"规下且用地不足{scheme.min_land_mu:g}亩，不参评 (below scale on less than {scheme.min_land_mu:g} mu)",
        )
    return "below_scale", ""


def item_score(spec: IndicatorSpec, value: float, benchmark: float, low: float, high: float, scheme: Scheme) -> float:
    if scheme.method == "minmax20":
        spread = (value - low) / (high - low) if high > low else 1.0
        return spec.weight * (20 + 80 * spread) / 100
    score = spec.weight * value / benchmark if benchmark > 0 else 0.0
    return min(score, scheme.cap * spec.weight) if scheme.cap else score


def _classify(ranked: Sequence[tuple[int, float]], scheme: Scheme) -> dict[int, str]:
    """key → class: by cumulative rank share (position (i+1)/n within the class's upper bound), or by score."""
    classes = scheme.classes
    found: dict[int, str] = {}
    n = len(ranked)
    for index, (key, score) in enumerate(ranked):
        if classes.mode == "thresholds":
            found[key] = next((c for c in CLASSES if score >= classes.spec(c).min_score), "D")
            continue
        position, bound = (index + 1) / n, 0.0
        found[key] = "D"
        for name in CLASSES:
            bound += classes.spec(name).share
            if position <= bound + 1e-9:
                found[key] = name
                break
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The scoring loop allocates ~10 tuples per enterprise and no reference cycles: pausing the cyclic garbage
    collector halves its time on 50,000 enterprises (bench/enterprise_service.py)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def evaluate(rows: Sequence[Figures], scheme: Scheme) -> list[Result]:
    """Every enterprise's result: populations scored separately, ranked by total score (ties by key)."""
    with _collector_paused():
        return _evaluate(rows, scheme)


def _evaluate(rows: Sequence[Figures], scheme: Scheme) -> list[Result]:
    results: dict[int, Result] = {}
    members: dict[str, list[Figures]] = {}
    for row in rows:
        population, reason = population_of(row, scheme)
        if population is None or population not in scheme.populations:
            results[row.key] = Result(row.key, None, Status.not_evaluated, reason=reason or "不在评价范围")
            continue
        members.setdefault(population, []).append(row)
    for population, group in members.items():
        specs = scheme.populations[population].indicators  # type: ignore[index]
        values = {row.key: [indicator_value(s, row.values) for s in specs] for row in group}
        scorable: list[Figures] = []
        for row in group:
            missing = tuple(
                s.name for s, v in zip(specs, values[row.key], strict=True) if v is None and s.when_missing == "exclude"
            )
            if missing:
                results[row.key] = Result(
                    row.key, population, Status.incomplete, missing=missing, reason="数据不全，暂不分类 (data missing)"
                )
            else:
                scorable.append(row)
        columns = [[v for r in scorable if (v := values[r.key][i]) is not None] for i in range(len(specs))]
        benchmarks = [s.benchmark or (sum(c) / len(c) if c else None) for s, c in zip(specs, columns, strict=True)]
        lows = [min(c) if c else 0.0 for c in columns]
        highs = [max(c) if c else 0.0 for c in columns]
        raw: dict[int, list[float | None]] = {}
        for row in scorable:
            raw[row.key] = [
                None if v is None or b is None else item_score(s, v, b, lo, hi, scheme)
                for s, v, b, lo, hi in zip(specs, values[row.key], benchmarks, lows, highs, strict=True)
            ]
        averages: list[float | None] = []
        for i in range(len(specs)):
            known = [score for scores in raw.values() if (score := scores[i]) is not None]
            averages.append(sum(known) / len(known) if known else None)
        totals: dict[int, tuple[float, tuple[Part, ...]]] = {}
        for row in scorable:
            scores = [averages[i] if sc is None else sc for i, sc in enumerate(raw[row.key])]
            unfilled = tuple(s.name for s, sc in zip(specs, scores, strict=True) if sc is None)
            if unfilled:  # nobody in the population has the figure: there is no average to take
                results[row.key] = Result(
                    row.key, population, Status.incomplete, missing=unfilled, reason="数据不全，暂不分类 (data missing)"
                )
                continue
            parts = tuple(
                Part(s.key, v, b, s.weight, sc, imputed=r is None)
                for s, v, b, sc, r in zip(specs, values[row.key], benchmarks, scores, raw[row.key], strict=True)
            )
            totals[row.key] = (sum(p.score or 0.0 for p in parts), parts)
        ranked = sorted(((k, t[0]) for k, t in totals.items()), key=lambda kv: (-kv[1], kv[0]))
        classes = _classify(ranked, scheme)
        vetoes = {row.key: row.veto for row in scorable if row.veto}
        for rank, (key, score) in enumerate(ranked, start=1):
            veto = vetoes.get(key)
            results[key] = Result(
                key,
                population,
                Status.vetoed if veto else Status.classified,
                score=score,
                rank=rank,
                of=len(ranked),
                klass="D" if veto else classes[key],
                parts=totals[key][1],
                reason=f"一票否决：{veto}" if veto else "",
            )
    return [results[row.key] for row in rows]
