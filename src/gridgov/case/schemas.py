from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridgov.case.urgency import Urgency
from gridgov.case.workflow import Action, CaseState
from gridgov.kit.text import PlainLine, PlainText


class CaseReport(BaseModel):
    category: str = Field(pattern=r"^\d{4}$", description="小类代码, e.g. 0102 井盖缺损")
    description: PlainText = Field(min_length=2, max_length=4000)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    address: PlainLine | None = Field(default=None, max_length=200)
    severity: int | None = Field(default=None, ge=1, le=3, description="Defaults to the category's")
    media_url: PlainLine | None = Field(
        default=None,
        max_length=1000,
        pattern=r"^https?://\S+$",
        description="A photo or document kept elsewhere (Open311 media_url), shown with the case",
    )


class CaseAction(BaseModel):
    action: Action
    comment: PlainText = Field(default="", max_length=2000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    unit_code: PlainLine | None = Field(default=None, description="dispatch: the unit to send the case to")
    days: int | None = Field(default=None, ge=1, le=60, description="request_extension: working days asked")
    into_case: PlainLine | None = Field(default=None, description="merge: the number of the case that absorbs this one")


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class CaseEventRead(BaseModel):
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    at: datetime
    actor_name: str
    comment: str
    data: dict[str, Any] | None


class CaseRead(BaseModel):
    number: str
    category: str
    category_name: str
    description: str
    severity: int
    state: CaseState
    state_label: str
    source: str
    lon: float
    lat: float
    address: str | None
    township_code: str
    village_code: str | None
    grid_code: str | None
    tier: str
    owner_code: str
    unit_code: str | None
    stage: str | None
    deadline_at: datetime | None
    time_limit: str | None
    urgency: Urgency | None
    rework_count: int
    escalation_level: int
    extension_requested_days: int | None
    possible_duplicate_of: str | None = None
    created_at: datetime
    closed_at: datetime | None
    allowed_actions: list[Action] = Field(default_factory=list)
    events: list[CaseEventRead] | None = None
    attachments: list[AttachmentRead] | None = None


class CaseQuery(BaseModel):
    """What the case desk and ``GET /cases`` filter by; every field optional, all of them combined."""

    state: CaseState | None = None
    category: str | None = Field(default=None, max_length=8, description="a category or major code (prefix)")
    township: str | None = Field(default=None, max_length=32)
    q: PlainLine | None = Field(
        default=None, max_length=100, description="case number (prefix), or words of the description or address"
    )
    since: date | None = Field(default=None, description="reported on or after this local day")
    until: date | None = Field(default=None, description="reported on or before this local day")
    overdue: bool = Field(default=False, description="open and past its deadline (超期)")


class CasePage(BaseModel):
    items: list[CaseRead]
    total: int = Field(description="cases that match, counted up to 10,000")
    total_capped: bool = Field(default=False, description="true: more than ``total`` match (counting stopped)")
