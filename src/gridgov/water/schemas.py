"""What the water module's API returns."""

from __future__ import annotations

from pydantic import BaseModel

from gridgov.water.rates import Rates


class RateParts(BaseModel):
    """The three rates with their numerators and denominators (a rate is null when its denominator is 0)."""

    timely: int
    expected: int
    complete: int
    valid: int
    received: int
    timeliness: float | None
    completeness: float | None
    accuracy: float | None
    below_target: bool

    @classmethod
    def of(cls, rates: Rates, target: float) -> RateParts:
        return cls(
            timely=rates.timely,
            expected=rates.expected,
            complete=rates.complete,
            valid=rates.valid,
            received=rates.received,
            timeliness=rates.timeliness,
            completeness=rates.completeness,
            accuracy=rates.accuracy,
            below_target=rates.below(target),
        )


class UserRead(BaseModel):
    id: int
    name: str
    credit_code: str
    township_code: str
    village_code: str | None
    industry_code: str
    annual_volume_m3: float
    synthetic: bool
    meters: int
    period: str
    rates: RateParts


class AreaRates(BaseModel):
    code: str
    name: str
    users: int
    rates: RateParts


class RatesRead(BaseModel):
    period: str
    level: str
    target: float
    areas: list[AreaRates]
