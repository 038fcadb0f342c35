"""Request and response bodies of the enterprise-service API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from gridgov.case.schemas import CaseEventRead
from gridgov.enterprise_service.rules import Colour
from gridgov.kit.text import PlainLine, PlainText


class AppealCreate(BaseModel):
    enterprise_id: int = Field(gt=0)
    category: str = Field(pattern=r"^[a-z_]+$", description="An appeal category code of the appeals document")
    title: PlainLine = Field(min_length=2, max_length=200)
    description: PlainText = Field(min_length=2, max_length=4000)
    impact: int = Field(default=1, ge=1, le=3, description="1 一般 / 2 影响生产 / 3 停产或重大损失")
    urgency: int = Field(default=1, ge=1, le=3, description="1 一般 / 2 较急 / 3 紧急")
    shared: int = Field(default=1, ge=1, le=10000, description="How many enterprises raise the same need")


class ColourChangeIn(BaseModel):
    colour: Colour
    reason: PlainText = Field(min_length=2, max_length=1000)


class ReturnVisitIn(BaseModel):
    satisfaction: int = Field(ge=1, le=5, description="1 很不满意 … 5 很满意")
    notes: PlainText = Field(default="", max_length=2000)


class VisitIn(BaseModel):
    enterprise_id: int = Field(gt=0)
    notes: PlainText = Field(min_length=2, max_length=2000)


class ColourChangeRead(BaseModel):
    from_colour: str | None
    to_colour: str
    reason: str
    actor_name: str
    at: datetime


class VisitRead(BaseModel):
    kind: str
    at: datetime
    actor_name: str
    satisfaction: int | None
    notes: str
    appeal_id: int | None


class AppealRead(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    credit_code: str
    project_id: int | None
    category: str
    category_name: str
    title: str
    impact: int
    urgency: int
    shared: int
    colour: Colour
    level: str
    channel: str
    recorder_name: str
    case_number: str
    state: str
    state_label: str
    tier: str
    deadline_at: datetime | None
    time_limit: str | None
    overdue: bool
    escalation_level: int
    escalations: int
    satisfied: bool | None
    created_at: datetime
    events: list[CaseEventRead] | None = None
    colour_changes: list[ColourChangeRead] | None = None
    visits: list[VisitRead] | None = None


class AppealPage(BaseModel):
    total: int
    items: list[AppealRead]


class StageRead(BaseModel):
    code: str
    name: str
    planned: date | None
    actual: date | None
    delay_days: int
    note: str


class StageUpdate(BaseModel):
    stage: str = Field(pattern=r"^[a-z_]+$")
    planned: date | None = None
    actual: date | None = None
    note: PlainLine = Field(default="", max_length=400)


class BlockerIn(BaseModel):
    category: str = Field(default="approval", pattern=r"^[a-z_]+$")
    title: PlainLine = Field(min_length=2, max_length=200)
    description: PlainText = Field(min_length=2, max_length=4000)
    impact: int = Field(default=2, ge=1, le=3)
    urgency: int = Field(default=2, ge=1, le=3)


class ProjectRead(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    investor: str
    amount_wan: float
    land_mu: float | None
    team: str
    leader: str
    enterprise_id: int | None
    township_code: str
    colour: Colour
    delay_days: int
    current_stage: str | None
    synthetic: bool
    stages: list[StageRead] | None = None
    blockers: list[AppealRead] | None = None


class PartRead(BaseModel):
    key: str
    name: str
    unit: str
    value: float | None
    benchmark: float | None
    weight: float
    score: float | None
    imputed: bool


class PerMuRead(BaseModel):
    enterprise_id: int
    name: str
    credit_code: str
    township_code: str
    year: int
    population: str | None
    status: str
    score: float | None
    rank: int | None
    of: int | None
    klass: str | None
    class_name: str | None
    previous_class: str | None
    change: str | None
    """up, down, same, new (no class last year)."""
    missing: list[str]
    reason: str
    parts: list[PartRead]


class PerMuPage(BaseModel):
    year: int
    counts: dict[str, int]
    """Enterprises per class (and incomplete / not evaluated) in the whole list."""
    total: int
    """Rows of the list (of the chosen class); ``items`` is the page from ``offset``."""
    items: list[PerMuRead]


class ImportResult(BaseModel):
    rows: int
    detail: dict[str, Any] = Field(default_factory=dict)
