"""Evaluation periods (月 / 季 / 年) in the deployment's zone, as half-open UTC intervals (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

ZONE = "Asia/Shanghai"
_PATTERN = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")
MIN_YEAR, MAX_YEAR = 1900, 2999
"""Years a period may name: its bounds and neighbours stay within what dates and time zones can hold."""


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year: ``2026-10``, ``2026-Q4``, ``2026``."""

    year: int
    kind: PeriodKind
    index: int
    """Month 1–12, quarter 1–4, or 1 for a year."""

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"期间应为 YYYY-MM、YYYY-Qn 或 YYYY (period must be YYYY-MM, YYYY-Qn or YYYY): {text!r}")
        year, part = int(match.group(1)), match.group(2)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"年份应在{MIN_YEAR}–{MAX_YEAR}之间 (year must be {MIN_YEAR}–{MAX_YEAR}): {text!r}")
        if part is None:
            return cls(year, PeriodKind.year, 1)
        if part.startswith("Q"):
            return cls(year, PeriodKind.quarter, int(part[1]))
        month = int(part)
        if not 1 <= month <= 12:
            raise ValueError(f"月份应为01–12 (month must be 01–12): {text!r}")
        return cls(year, PeriodKind.month, month)

    @classmethod
    def month_of(cls, moment: datetime, zone: str = ZONE) -> Period:
        local = moment.astimezone(ZoneInfo(zone))
        return cls(local.year, PeriodKind.month, local.month)

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.year:
            return f"{self.year}"
        if self.kind is PeriodKind.quarter:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.year:
            return f"{self.year}年"
        if self.kind is PeriodKind.quarter:
            return f"{self.year}年第{self.index}季度"
        return f"{self.year}年{self.index}月"

    @property
    def first_day(self) -> date:
        month = {PeriodKind.year: 1, PeriodKind.quarter: 3 * self.index - 2, PeriodKind.month: self.index}[self.kind]
        return date(self.year, month, 1)

    @property
    def months(self) -> int:
        return {PeriodKind.year: 12, PeriodKind.quarter: 3, PeriodKind.month: 1}[self.kind]

    @property
    def month_keys(self) -> list[int]:
        """The months of the period as YYYYMM numbers (the keys of the per-case facts)."""
        first = self.first_day.month
        return [self.year * 100 + month for month in range(first, first + self.months)]

    def next(self) -> Period:
        count = {PeriodKind.year: 1, PeriodKind.quarter: 4, PeriodKind.month: 12}[self.kind]
        if self.index == count:
            return Period(self.year + 1, self.kind, 1)
        return Period(self.year, self.kind, self.index + 1)

    def previous(self) -> Period:
        count = {PeriodKind.year: 1, PeriodKind.quarter: 4, PeriodKind.month: 12}[self.kind]
        if self.index == 1:
            return Period(self.year - 1, self.kind, count)
        return Period(self.year, self.kind, self.index - 1)

    def bounds(self, zone: str = ZONE) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
        tz = ZoneInfo(zone)
        start = datetime.combine(self.first_day, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(self.next().first_day, datetime.min.time(), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def __str__(self) -> str:
        return self.key


def recent_months(now: datetime, count: int, zone: str = ZONE) -> list[Period]:
    """The ``count`` months up to and including the one holding ``now``, oldest first."""
    month = Period.month_of(now, zone)
    months = [month]
    for _ in range(count - 1):
        months.append(months[-1].previous())
    return list(reversed(months))
