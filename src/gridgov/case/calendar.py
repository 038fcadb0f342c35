"""The Chinese working calendar and time-limit arithmetic (pure, no I/O).

Working days come from administrator-loaded tables first (the State Council's annual notice),
then from the ``chinese-calendar`` package, which knows statutory holidays and adjusted working
days (调休) for the years it covers. A year neither knows falls back to Monday–Friday and is
reported by :meth:`WorkCalendar.missing_years` so pages can warn.

Limits are measured the way 数字城管 handling standards state them:
工作日 (working days: N × one working day of working time), 工作时 (working hours inside the
working periods, default 08:30–12:00 and 13:30–17:30), 紧急工作时 (clock hours, day and night)
and 自然日 (calendar days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar


class TimeUnit(StrEnum):
    working_days = "working_days"
    working_hours = "working_hours"
    clock_hours = "clock_hours"
    calendar_days = "calendar_days"

    @property
    def label(self) -> str:
        return UNIT_LABELS[self]

    @property
    def on_working_time(self) -> bool:
        return self in (TimeUnit.working_days, TimeUnit.working_hours)


UNIT_LABELS = {
    TimeUnit.working_days: "工作日",
    TimeUnit.working_hours: "工作时",
    TimeUnit.clock_hours: "紧急工作时",
    TimeUnit.calendar_days: "自然日",
}
DEFAULT_PERIODS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@lru_cache(maxsize=64)
def _package_workday(day: date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    holidays: frozenset[date] = field(default_factory=frozenset)
    """Days off loaded by an administrator (they win over the package)."""
    workdays: frozenset[date] = field(default_factory=frozenset)
    """Adjusted working days (调休上班) loaded by an administrator."""
    zone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        spans = [(_minutes(a), _minutes(b)) for a, b in self.periods]
        overlapping = any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1))
        if not spans or overlapping or any(a >= b for a, b in spans):
            raise ValueError("working periods must be ordered, non-empty and not overlapping")

    @property
    def day_minutes(self) -> int:
        return sum(_minutes(b) - _minutes(a) for a, b in self.periods)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        known = _package_workday(day)
        return day.weekday() < 5 if known is None else known

    def knows_year(self, year: int) -> bool:
        loaded = any(d.year == year for d in self.holidays | self.workdays)
        return loaded or _package_workday(date(year, 1, 1)) is not None

    def missing_years(self, years: range | list[int]) -> list[int]:
        return [y for y in years if not self.knows_year(y)]

    # working-time arithmetic -------------------------------------------------------------------
    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        return moment.astimezone(ZoneInfo(self.zone))

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        tz = ZoneInfo(self.zone)
        return [(datetime.combine(day, a, tz), datetime.combine(day, b, tz)) for a, b in self.periods]

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` of working time after ``start`` (a start outside working time
        counts from the next working period)."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        if minutes == 0:
            return start
        current = self._local(start)
        left = timedelta(minutes=minutes)
        day = current.date()
        while True:
            for begin, end in self._spans(day):
                if end <= current:
                    continue
                begin = max(begin, current)
                if begin + left <= end:
                    return begin + left
                left -= end - begin
                current = end
            day += timedelta(days=1)

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Working time from ``start`` to ``end`` in minutes; negative when ``end`` is earlier."""
        a, b = self._local(start), self._local(end)
        if b < a:
            return -self.working_minutes_between(end, start)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            for begin, finish in self._spans(day):
                lo, hi = max(begin, a), min(finish, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60

    def deadline(self, start: datetime, amount: float, unit: TimeUnit) -> datetime:
        if amount < 0:
            raise ValueError("a time limit must not be negative")
        if unit is TimeUnit.clock_hours:
            return start + timedelta(hours=amount)
        if unit is TimeUnit.calendar_days:
            return start + timedelta(days=amount)
        per_unit = self.day_minutes if unit is TimeUnit.working_days else 60
        return self.add_working_minutes(start, round(amount * per_unit))

    def elapsed(self, start: datetime, end: datetime, unit: TimeUnit) -> float:
        """Time from ``start`` to ``end`` in minutes, counted the way ``unit`` counts."""
        if unit.on_working_time:
            return self.working_minutes_between(start, end)
        return (end - start).total_seconds() / 60
