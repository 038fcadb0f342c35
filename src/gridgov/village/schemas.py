"""Request and response bodies of the village API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from gridgov.kit.text import PlainLine, PlainText

CODE = r"^[0-9A-Za-z_.-]{1,20}$"
"""A code from the module's settings (a reward, a repair category, a meal slot)."""


class HolderRead(BaseModel):
    code: str
    name: str
    kind: str
    invested: Decimal
    share: Decimal
    agreed: bool = Field(description="约定比例 (an agreed share) rather than by investment")
    backer: bool = Field(description="兜底方 (covers the shortfall)")


class DividendRead(BaseModel):
    holder: str
    share: Decimal
    amount: Decimal


class YearRead(BaseModel):
    year: int
    expected: bool
    income: Decimal
    costs: Decimal
    reserve: Decimal
    distributed: Decimal
    dividends: list[DividendRead]


class ProjectRead(BaseModel):
    code: str
    name: str
    township_code: str
    status: str
    planned_investment: Decimal
    cover: Decimal = Field(description="兜底方出资 (what the backer puts in)")
    synthetic: bool
    holders: list[HolderRead]
    years: list[YearRead]


class YearWrite(BaseModel):
    income: Decimal = Field(ge=0, le=Decimal("1e13"), description="年收入(租金等, 元)")
    costs: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e13"), description="年成本(元)")


class IncomeRead(BaseModel):
    collective: str
    name: str
    village_code: str | None
    year: int
    sources: dict[str, Decimal]
    total: Decimal
    weak: bool = Field(description="低于薄弱村收入线 (below the weak-village line)")


class RankRead(BaseModel):
    village: str
    name: str
    score: float
    rank: int


class BoardRead(BaseModel):
    period: str
    township: str
    indicators: list[dict[str, str | float]]
    cells: dict[str, dict[str, float]] = Field(description="village code → indicator code → points")
    ranking: list[RankRead]


class CadreRead(BaseModel):
    village_code: str
    name: str
    post: str
    village_percent: float
    duty: float | None
    appraisal: float | None
    total: float
    grade: str
    bonus: Decimal


class VillageYearRead(BaseModel):
    code: str
    name: str
    points: float
    percent: float
    rank: int


class AssessmentYearRead(BaseModel):
    year: int
    township: str
    pool: Decimal
    villages: list[VillageYearRead]
    cadres: list[CadreRead]


class ScoreWrite(BaseModel):
    indicator_id: int
    village: str = Field(pattern=r"^\d{6,15}$")
    period: str = Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$", description="YYYY-MM, YYYY-Qn or YYYY")
    points: float = Field(ge=0, le=1000)
    note: PlainLine | None = Field(default=None, max_length=400)


class ScoreRead(BaseModel):
    id: int
    indicator_id: int
    village_code: str
    period: str
    points: float
    status: str
    appeal: str | None


class AppealWrite(BaseModel):
    reason: PlainText = Field(min_length=2, max_length=400)


class ActivityWrite(BaseModel):
    place_id: int
    kind: str = Field(pattern=r"^(activity|venue)$")
    title: PlainLine = Field(min_length=1, max_length=200)
    starts_at: datetime
    ends_at: datetime
    capacity: int = Field(ge=1, le=10_000)
    points: int = Field(default=0, ge=0, le=1000)


class ActivityRead(BaseModel):
    id: int
    place_id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    points: int


class BookingRead(BaseModel):
    id: int
    activity_id: int
    title: str
    starts_at: datetime
    status: str


class CheckIn(BaseModel):
    person_id: int
    attended: bool


class EntryRead(BaseModel):
    delta: int
    balance_after: int
    kind: str
    reason: str
    created_at: datetime


class PointsRead(BaseModel):
    balance: int
    entries: list[EntryRead]


class Redeem(BaseModel):
    reward: str = Field(pattern=CODE, description="奖励代码 (village.services rewards)")


class RepairWrite(BaseModel):
    category: str = Field(pattern=CODE, description="报修类别 (village.services)")
    description: PlainText = Field(min_length=2, max_length=2000)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    address: PlainLine | None = Field(default=None, max_length=200)


class RepairRead(BaseModel):
    id: int
    case_number: str
    category: str
    state: str
    created_at: datetime


class MealPointRead(BaseModel):
    id: int
    code: str
    name: str
    type_code: str
    shifts: dict[str, int] = Field(description="YYYY-MM-DD/slot → volunteers signed up")


class SignUp(BaseModel):
    day: date
    slot: str = Field(pattern=CODE, description="时段代码 (village.services meal_slots)")


class ShiftRead(BaseModel):
    id: int
    place_id: int
    day: date
    slot: str
    seat: int


class ImportResult(BaseModel):
    written: int
