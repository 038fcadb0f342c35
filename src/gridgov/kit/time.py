"""Times: stored as UTC, shown in the deployment's zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive value as UTC (SQLite returns naive datetimes) and convert aware ones."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_local(value: datetime, zone: str = "Asia/Shanghai") -> datetime:
    return as_utc(value).astimezone(ZoneInfo(zone))


def format_local(value: datetime | None, zone: str = "Asia/Shanghai") -> str:
    return "" if value is None else to_local(value, zone).strftime("%Y-%m-%d %H:%M")


def local_midnight(day: date, zone: str = "Asia/Shanghai") -> datetime:
    """The UTC instant a local calendar day begins (a "from 11-01" filter means from 00:00 in the county)."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)
