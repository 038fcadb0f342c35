"""The three rates (三率) of one water meter's online data over a period (pure).

Definitions, as the water administration uses them for online intake monitoring (取水在线计量/国控监测点):

* 及时率 (timeliness) = readings that arrived within the allowed lateness after their time ÷ readings
  expected in the period (one per reporting interval, 应报数);
* 完整率 (completeness) = expected reporting slots holding at least one reading ÷ expected slots;
* 准确率 (accuracy) = valid readings ÷ readings received (实报数), a reading being valid when the cumulative
  counter did not go backwards, rose by no more than the meter's maximum per elapsed interval, and has not
  stood still for more than the allowed number of intervals.

Sources: 水利部《关于强化取水口取水监测计量的意见》(水资管〔2021〕188号) — online metering of every intake above the
size thresholds and a responsibility system for data quality (完整、及时、准确); 国家水资源监控能力建设项目 — the
platform's data-quality figures 到报率/及时率/完整率 per monitoring point; Zhejiang's 取水在线计量 rules and the
南浔 target (三率 ≥ 95 %). See ``docs/rates.md``. Numbers of slots are counted on the epoch grid of the
interval (slot ``k`` covers ``[k·interval, (k+1)·interval)``), so summing slots over sub-periods that start on
the grid gives the whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reading:
    time: datetime
    """When the value was measured (phenomenon time)."""
    received: datetime
    """When the platform received it."""
    value: float
    """Cumulative volume, m³."""


@dataclass(frozen=True)
class Rules:
    interval_seconds: int = 3600
    lateness_seconds: int = 1800
    max_increment_m3: float = 1000.0
    """Largest plausible rise per interval (the meter's range × interval)."""
    flat_intervals: int = 24
    """A counter standing still for more intervals than this is no longer valid."""


@dataclass(frozen=True)
class Rates:
    """Numerators and denominators of the three rates; they add up over meters, users and areas."""

    timely: int = 0
    expected: int = 0
    complete: int = 0
    valid: int = 0
    received: int = 0

    def __add__(self, other: Rates) -> Rates:
        return Rates(
            self.timely + other.timely,
            self.expected + other.expected,
            self.complete + other.complete,
            self.valid + other.valid,
            self.received + other.received,
        )

    @property
    def timeliness(self) -> float | None:
        return self.timely / self.expected if self.expected else None

    @property
    def completeness(self) -> float | None:
        return self.complete / self.expected if self.expected else None

    @property
    def accuracy(self) -> float | None:
        return self.valid / self.received if self.received else None

    def below(self, target: float) -> bool:
        """Whether any of the three rates that can be computed is under ``target``."""
        return any(r is not None and r < target for r in (self.timeliness, self.completeness, self.accuracy))


def _slot(moment: datetime, interval: int) -> int:
    return int(moment.timestamp()) // interval


def expected_slots(start: datetime, end: datetime, interval: int) -> int:
    """Slots that overlap ``[start, end)`` (periods start and end on the grid, so sub-periods add up)."""
    if end <= start:
        return 0
    first = int(start.timestamp()) // interval
    last = -(-int(end.timestamp()) // interval)
    return last - first


def validity(readings: Iterable[Reading], rules: Rules, previous: Reading | None = None) -> list[bool]:
    """Whether each reading (sorted by time) is valid, each compared with the last valid one before it
    (``previous``: the last valid reading before the period, if known)."""
    flags: list[bool] = []
    last = previous
    flat_since = previous.time if previous is not None else None
    for reading in readings:
        if reading.value < 0:
            flags.append(False)
            continue
        if last is None:
            flags.append(True)
            last, flat_since = reading, reading.time
            continue
        rise = reading.value - last.value
        elapsed = max((reading.time - last.time).total_seconds() / rules.interval_seconds, 1.0)
        if rise < 0 or rise > rules.max_increment_m3 * elapsed:
            flags.append(False)
            continue
        if rise == 0:
            assert flat_since is not None
            standing = (reading.time - flat_since).total_seconds() / rules.interval_seconds
            flags.append(standing <= rules.flat_intervals)
        else:
            flags.append(True)
            flat_since = reading.time
        last = reading
    return flags


def meter_rates(
    readings: Iterable[Reading], start: datetime, end: datetime, rules: Rules, previous: Reading | None = None
) -> Rates:
    """The three rates' parts for the readings of ``[start, end)`` (others are ignored)."""
    interval = rules.interval_seconds
    inside = sorted((r for r in readings if start <= r.time < end), key=lambda r: r.time)
    slots = {_slot(r.time, interval) for r in inside}
    timely = {
        _slot(r.time, interval) for r in inside if (r.received - r.time).total_seconds() <= rules.lateness_seconds
    }
    return Rates(
        timely=len(timely),
        expected=expected_slots(start, end, interval),
        complete=len(slots),
        valid=sum(validity(inside, rules, previous)),
        received=len(inside),
    )
