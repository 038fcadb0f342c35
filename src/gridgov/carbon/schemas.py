"""What the carbon module's API returns. Emissions in t CO2, money in 万元; every figure names the factor
versions it was computed with."""

from __future__ import annotations

from pydantic import BaseModel

from gridgov.carbon.calc import INDICATORS
from gridgov.carbon.service import Band, Result, Row, TailEntry


class Figure(BaseModel):
    """One indicator: numerator / denominator (value null when the denominator is not positive)."""

    key: str
    numerator: float
    denominator: float
    value: float | None
    normalised: float | None = None
    obstacle: float | None = None


class Basis(BaseModel):
    period: str
    versions: list[str]
    """Factor versions used (``explicit_version`` when one was chosen for every month)."""
    explicit_version: str | None
    method: str
    weighting: str
    weights: dict[str, float]
    industry: str

    @classmethod
    def of(cls, result: Result) -> Basis:
        return cls(
            period=result.period,
            versions=result.versions,
            explicit_version=result.explicit_version,
            method=result.method,
            weighting=result.weighting,
            weights=dict(zip(INDICATORS, result.weights, strict=True)),
            industry=result.industry,
        )


class RankRow(BaseModel):
    rank: int | None
    enterprise_id: int
    name: str
    credit_code: str
    industry_code: str
    township_code: str
    band: str | None
    months: int
    emissions_t: float
    score: float | None
    grade: str | None
    not_ranked: str | None
    synthetic: bool

    @classmethod
    def of(cls, row: Row) -> RankRow:
        e = row.enterprise
        return cls(
            rank=row.rank,
            enterprise_id=e.id,
            name=e.name,
            credit_code=e.credit_code,
            industry_code=e.industry_code,
            township_code=e.township_code,
            band=row.band,
            months=row.months,
            emissions_t=round(row.emissions["total"], 3),
            score=None if row.score is None else round(row.score, 2),
            grade=row.grade,
            not_ranked=row.reason,
            synthetic=e.synthetic,
        )


class Ranking(BaseModel):
    basis: Basis
    rows: list[RankRow]


def figures(row: Row) -> list[Figure]:
    return [
        Figure(
            key=key,
            numerator=row.numerators[j],
            denominator=row.denominators[j],
            value=row.values[j],
            normalised=None if row.normalised is None else row.normalised[j],
            obstacle=None if row.obstacles is None else row.obstacles[j],
        )
        for j, key in enumerate(INDICATORS)
    ]


class MonthFigures(BaseModel):
    month: str
    reported: bool
    """False: no row for the month (缺报) — every figure below is null, not zero."""
    version: str | None
    electricity_kwh: float | None = None
    gas_m3: float | None = None
    steam_gj: float | None = None
    pv_kwh: float | None = None
    output_value: float | None = None
    tax: float | None = None
    emissions_t: float | None = None
    intensity: float | None = None
    """t CO2 per 万元 of output value."""


class BandRead(BaseModel):
    key: str
    label: str
    members: int
    model_id: int | None
    model_name: str | None
    head: list[int]
    tail: list[int]
    benchmark_intensity: float | None
    means: dict[str, float | None]

    @classmethod
    def of(cls, band: Band, names: dict[int, str]) -> BandRead:
        return cls(
            key=band.key,
            label=band.label,
            members=len(band.members),
            model_id=band.model,
            model_name=names.get(band.model) if band.model else None,
            head=band.head,
            tail=band.tail,
            benchmark_intensity=band.benchmark_intensity,
            means=dict(zip(INDICATORS, band.means, strict=True)),
        )


class Detail(BaseModel):
    basis: Basis
    enterprise: RankRow
    emissions: dict[str, float]
    energy: dict[str, float]
    output_value: float
    tax: float
    employees: float
    indicators: list[Figure]
    band: BandRead | None
    model: list[Figure] | None
    """The band model's indicators (样板)."""
    months: list[MonthFigures]


class IndustryRow(BaseModel):
    industry_code: str
    enterprises: int
    emissions_t: float
    output_value: float
    intensity: float | None


class Bands(BaseModel):
    basis: Basis
    bands: list[BandRead]
    industries: list[IndustryRow]


class TailRead(BaseModel):
    enterprise_id: int
    name: str
    band: str
    emissions_t: float
    output_value: float
    intensity: float
    benchmark_intensity: float
    at_benchmark_t: float
    contribution_t: float

    @classmethod
    def of(cls, t: TailEntry) -> TailRead:
        return cls(
            enterprise_id=t.enterprise_id,
            name=t.name,
            band=t.band,
            emissions_t=t.emissions,
            output_value=t.output_value,
            intensity=t.intensity,
            benchmark_intensity=t.benchmark_intensity,
            at_benchmark_t=t.at_benchmark,
            contribution_t=t.contribution,
        )


class Potential(BaseModel):
    basis: Basis
    potential_t: float
    industry_total_t: float
    share: float | None
    tail: list[TailRead]


class Imported(BaseModel):
    months: int
    enterprises: int


class PvAdvice(BaseModel):
    enterprise_id: int
    name: str
    roof_area_m2: float | None
    capacity_kwp: float
    yield_kwh: float
    self_kwh: float
    export_kwh: float
    avoided_t: float
    cost_yuan: float
    saving_yuan: float
    payback_years: float | None


class PvList(BaseModel):
    basis: Basis
    factor_version: str
    """The electricity factor version in force today, used for the CO2 avoided."""
    rows: list[PvAdvice]
