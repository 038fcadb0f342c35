"""Request and response bodies of the inspections and duty-rosters API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from gridgov.kit.text import PlainLine, PlainText

Answer = str | int | float


class CheckCreate(BaseModel):
    place_id: int
    kind: Literal["routine", "recheck", "spot"] = "routine"
    answers: dict[str, Answer] = Field(description="item code → answer (yes/no, a choice, a number, text)")
    photos: list[PlainLine] = Field(default_factory=list, max_length=20, description="photo references")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    checked_at: datetime | None = Field(default=None, description="when it was checked (a queued offline check)")
    note: PlainText | None = Field(default=None, max_length=2000)
    client_id: PlainLine | None = Field(default=None, max_length=64, description="the phone's id of this check")


class FindingRead(BaseModel):
    id: int
    place_id: int
    place_name: str
    place_code: str
    item_code: str
    grade: str
    description: str
    state: str
    case_number: str | None
    found_at: datetime
    deadline_at: datetime | None
    rectified_at: datetime | None


class CheckRead(BaseModel):
    id: int
    place_id: int
    kind: str
    inspector: str
    checked_at: datetime
    findings: list[FindingRead]
    rectified: list[int]


class DueRead(BaseModel):
    place_id: int
    code: str
    name: str
    type_code: str
    address: str | None
    grid_code: str | None
    last_checked_at: datetime | None
    cycle_starts: datetime
    veto_open: bool


class AreaCoverage(BaseModel):
    code: str
    name: str
    places: int
    checked: int
    coverage: float | None
    found: int
    rectified: int
    on_time: int
    overdue: int


class CoverageRead(BaseModel):
    level: str
    areas: list[AreaCoverage]
    total: AreaCoverage


class PostRead(BaseModel):
    code: str
    name: str
    kind: str
    path: str
    serves: list[str]
    shifts: list[dict[str, object]]
    members: int


class AssignmentRead(BaseModel):
    id: int
    post_code: str
    post_name: str
    person_id: int
    person_name: str
    phone: str
    day: date
    shift_code: str
    role: str
    starts_at: datetime
    ends_at: datetime
    night: bool
    checked_in_at: datetime | None


class ReasonRead(BaseModel):
    rule: str
    post: str | None
    day: date | None
    shift: str | None
    role: str | None
    detail: str


class RosterCreate(BaseModel):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    area: PlainLine = Field(description="org code of the area whose posts to roster")


class RosterRead(BaseModel):
    id: int
    month: str
    path: str
    status: str
    objective: float | None
    bound: float | None
    seconds: float
    assignments: int
    reasons: list[ReasonRead]


class SwapCreate(BaseModel):
    assignment_id: int
    to_person_id: int
    reason: PlainLine | None = Field(default=None, max_length=200)


class SwapDecision(BaseModel):
    approve: bool


class SwapRead(BaseModel):
    id: int
    assignment_id: int
    from_person_id: int
    to_person_id: int
    state: str
    reason: str | None


class CheckIn(BaseModel):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class OnDutyRead(BaseModel):
    person_id: int
    name: str
    post_code: str
    post_name: str
    post_kind: str
    role: str
    starts_at: datetime
    ends_at: datetime
