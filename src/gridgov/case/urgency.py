"""Three-colour urgency of an open case from its remaining time (pure)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from gridgov.case.calendar import TimeUnit, WorkCalendar


class Urgency(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"

    @property
    def label(self) -> str:
        return {"green": "绿灯(正常)", "yellow": "黄灯(临期)", "red": "红灯(超期)"}[self.value]


def urgency(
    calendar: WorkCalendar,
    now: datetime,
    started: datetime,
    deadline: datetime,
    unit: TimeUnit,
    yellow_share: float = 0.25,
) -> Urgency:
    """Red once the deadline has passed; yellow when less than ``yellow_share`` of the limit is left."""
    if now >= deadline:
        return Urgency.red
    total = calendar.elapsed(started, deadline, unit)
    left = calendar.elapsed(now, deadline, unit)
    if total > 0 and left < yellow_share * total:
        return Urgency.yellow
    return Urgency.green
