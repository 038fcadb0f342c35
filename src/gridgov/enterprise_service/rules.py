"""The enterprise-service rules as data (pure): an appeal's colour on intake, and a project's colour by its
delay against plan. The documents themselves are in :mod:`gridgov.enterprise_service.documents`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Colour(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"

    @property
    def rank(self) -> int:
        return list(Colour).index(self)


class ColourRule(BaseModel):
    """An appeal meeting every minimum gets ``colour`` (the first matching rule wins)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = ""
    min_impact: int = Field(default=1, ge=1, le=3)
    min_urgency: int = Field(default=1, ge=1, le=3)
    min_shared: int = Field(default=1, ge=1)
    colour: Colour

    def matches(self, impact: int, urgency: int, shared: int) -> bool:
        return impact >= self.min_impact and urgency >= self.min_urgency and shared >= self.min_shared


def intake_colour(rules: Sequence[ColourRule], default: Colour, impact: int, urgency: int, shared: int) -> Colour:
    """The colour an appeal gets on intake, with the rule that gave it (or the default)."""
    return next((r.colour for r in rules if r.matches(impact, urgency, shared)), default)


@dataclass(frozen=True)
class StagePlan:
    code: str
    planned: date | None
    actual: date | None


def stage_delay(stage: StagePlan, today: date) -> int:
    """Days an unfinished stage is behind its planned date (0 when on time, finished or unplanned)."""
    if stage.actual is not None or stage.planned is None:
        return 0
    return max(0, (today - stage.planned).days)


def project_colour(stages: Sequence[StagePlan], today: date, yellow_after: int, red_after: int) -> tuple[Colour, int]:
    """The project's colour and its worst open delay in days: red beyond ``red_after`` days, yellow beyond
    ``yellow_after``, else green. A stage finished late no longer counts: the colour says where it stands now."""
    worst = max((stage_delay(s, today) for s in stages), default=0)
    if worst > red_after:
        return Colour.red, worst
    if worst > yellow_after:
        return Colour.yellow, worst
    return Colour.green, worst
