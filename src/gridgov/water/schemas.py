"""What the water module's API returns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

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


class PlanWrite(BaseModel):
    planned_m3: Decimal = Field(ge=0, le=Decimal("1e10"), decimal_places=2, description="计划水量(m³)")


class PlanRead(BaseModel):
    user_id: int
    user_name: str
    credit_code: str
    year: int
    month: int
    planned_m3: Decimal


class PlanImport(BaseModel):
    plans: int


class BillLine(BaseModel):
    above: Decimal | None
    """None: the base line; else the share over plan where the surcharge tier starts."""
    below: Decimal | None
    volume_m3: Decimal
    rate: Decimal
    amount: Decimal


class BillRead(BaseModel):
    id: int
    user_id: int
    user_name: str
    credit_code: str
    period: str
    used_m3: Decimal
    planned_m3: Decimal
    price: Decimal
    lines: list[BillLine]
    surcharge: Decimal
    total: Decimal
    issued_at: datetime


class LetterRead(BaseModel):
    id: int
    user_id: int
    user_name: str
    credit_code: str
    period: str
    planned_to_date_m3: Decimal
    used_to_date_m3: Decimal
    ratio: float | None
    level: str
    """normal / warning (预警) / over (超计划)."""
    issued_at: datetime
    delivery: str
    """inbox (in the township staff's in-app inbox; the user is not reached by the platform) / no_recipient."""
    recipients: int
