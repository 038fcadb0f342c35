"""Rolling rainfall per gauge (pure, no I/O): 1/3/6/12/24 h accumulations kept up to date as readings arrive.

A reading ``(t, mm)`` is the rain that fell in the interval ending at ``t``. The ``h``-hour total as of ``T``
is the sum of the readings with ``T - h < t <= T``. Readings may arrive late, out of order or twice: a
reading for a time already held replaces the held value (a repeat with the same value changes nothing),
and every total it falls into is corrected by the difference.

Amounts are kept as integers of 0.001 mm, so an incrementally maintained total is *exactly* the total
recomputed from scratch (:func:`accumulate`), whatever the order of arrival — no floating-point drift.

Effective antecedent rainfall (有效雨量) is ``R0 + Σ_{i=1..n} K^i·R_i`` where ``R0`` is the rain of the last
24 h and ``R_i`` that of the 24-h block ending ``i`` days before (blocks are rolling, ending at the as-of
time, not calendar days). The accumulator keeps 24·(i+1)-hour totals for that, so ``R_i`` is the
difference of two of them.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

UNITS_PER_MM = 1000
"""Fixed point: amounts are integers of 0.001 mm (gauges resolve 0.1 or 0.2 mm)."""
DEFAULT_WINDOWS_H: tuple[int, ...] = (1, 3, 6, 12, 24)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_H = 3_600_000_000


def stamp(t: datetime) -> int:
    """Microseconds since the epoch; a naive time is taken as UTC (SQLite hands those back)."""
    aware = t.replace(tzinfo=UTC) if t.tzinfo is None else t
    return (aware - _EPOCH) // timedelta(microseconds=1)


def from_stamp(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def to_units(mm: float) -> int:
    """Millimetres → 0.001 mm units; refuses negative, NaN and infinite amounts."""
    if not math.isfinite(mm) or mm < 0:
        raise ValueError(f"雨量必须是非负有限数 (rainfall must be finite and >= 0): {mm!r}")
    return round(mm * UNITS_PER_MM)


def to_mm(units: int) -> float:
    return units / UNITS_PER_MM


def effective_rainfall(daily_mm: Sequence[float], k: float) -> float:
    """``R0 + Σ K^i·R_i`` for ``daily_mm = [R0, R1, …, Rn]`` (R0 the latest 24 h)."""
    if not 0 < k < 1:
        raise ValueError(f"衰减系数K须在0与1之间 (decay K must be in (0, 1)): {k}")
    return sum(r * k**i for i, r in enumerate(daily_mm))


def spans_for(windows_h: Iterable[int], antecedent_days: int = 0) -> tuple[int, ...]:
    """The hour spans an accumulator keeps: the windows, plus 24·(i+1) h for i = 0..n when n > 0."""
    spans = set(windows_h)
    if antecedent_days:
        spans |= {24 * (i + 1) for i in range(antecedent_days + 1)}
    if not spans or min(spans) < 1:
        raise ValueError(f"窗口须为正整数小时 (windows must be positive hours): {sorted(spans)}")
    return tuple(sorted(spans))


def accumulate(readings: Iterable[tuple[datetime, float]], as_of: datetime, spans_h: Iterable[int]) -> dict[int, float]:
    """From scratch: the total of each span as of ``as_of`` (later readings of a time replace earlier ones)."""
    held: dict[int, int] = {}
    for t, mm in readings:
        held[stamp(t)] = to_units(mm)
    end = stamp(as_of)
    return {h: to_mm(sum(v for s, v in held.items() if end - h * _US_PER_H < s <= end)) for h in spans_h}


class RollingRain:
    """The rolling totals of one gauge, updated per reading in O(spans · log n).

    ``as_of`` is the latest reading time, or a later time passed to :meth:`advance` (time never runs
    backwards). Readings older than the longest span before ``as_of`` affect no total and are dropped.
    """

    __slots__ = ("_antecedent", "_as_of", "_latest", "_longest", "_spans", "_spans_h", "_sums", "_times", "_values")

    def __init__(self, windows_h: Iterable[int] = DEFAULT_WINDOWS_H, antecedent_days: int = 0) -> None:
        if antecedent_days < 0:
            raise ValueError("antecedent_days must be >= 0")
        self._spans_h = spans_for(windows_h, antecedent_days)
        self._spans = tuple(h * _US_PER_H for h in self._spans_h)
        self._longest = self._spans[-1]
        self._antecedent = antecedent_days
        self._times: list[int] = []
        self._values: list[int] = []
        self._sums = [0] * len(self._spans)
        self._as_of: int | None = None
        self._latest: int | None = None

    @property
    def spans_h(self) -> tuple[int, ...]:
        return self._spans_h

    @property
    def as_of(self) -> datetime | None:
        return None if self._as_of is None else from_stamp(self._as_of)

    @property
    def last_reading(self) -> datetime | None:
        """Time of the latest reading held (for silence detection: no reading for N minutes)."""
        return None if self._latest is None else from_stamp(self._latest)

    def add(self, t: datetime, mm: float) -> bool:
        """Take one reading; True when a total may have changed (new or corrected value inside a span)."""
        s, v = stamp(t), to_units(mm)
        if self._as_of is not None and s <= self._as_of - self._longest:
            return False
        times, values = self._times, self._values
        i = bisect_left(times, s)
        if i < len(times) and times[i] == s:
            delta = v - values[i]
            if delta == 0:
                return False
            values[i] = v
        else:
            times.insert(i, s)
            values.insert(i, v)
            delta = v
        if self._latest is None or s > self._latest:
            self._latest = s
        if self._as_of is None:
            self._as_of = s
            self._sums = [v] * len(self._spans)
            return True
        if s > self._as_of:
            self._advance_to(s)
        sums = self._sums
        for k, span in enumerate(self._spans):
            if s > self._as_of - span:
                sums[k] += delta
        return True

    def add_many(self, readings: Iterable[tuple[datetime, float]]) -> int:
        """Take readings in any order; returns how many changed something."""
        return sum(self.add(t, mm) for t, mm in readings)

    def advance(self, now: datetime) -> None:
        """Move the as-of time forward (rain that left a window is subtracted); earlier times are ignored."""
        s = stamp(now)
        if self._as_of is None:
            self._as_of = s
        elif s > self._as_of:
            self._advance_to(s)

    def read(self, now_us: int) -> tuple[int | None, list[int]]:
        """Advance to ``now_us`` (a :func:`stamp`) and return (the latest reading's stamp, the totals of
        :attr:`spans_h` in units): the evaluator's per-gauge hot path, without datetime objects."""
        if self._as_of is None:
            self._as_of = now_us
        elif now_us > self._as_of:
            self._advance_to(now_us)
        return self._latest, self._sums

    def _advance_to(self, new: int) -> None:
        assert self._as_of is not None
        old = self._as_of
        times, values, sums = self._times, self._values, self._sums
        for k, span in enumerate(self._spans):
            lo = bisect_right(times, old - span)
            hi = bisect_right(times, new - span)
            if hi > lo:
                sums[k] -= sum(values[lo:hi])
        self._as_of = new
        drop = bisect_right(times, new - self._longest)
        if drop:
            del times[:drop]
            del values[:drop]

    def total_units(self, hours: int) -> int:
        return self._sums[self._spans_h.index(hours)]

    def total(self, hours: int) -> float:
        """Millimetres in the last ``hours`` hours as of :attr:`as_of` (``hours`` must be a kept span)."""
        return to_mm(self.total_units(hours))

    def totals(self) -> dict[int, float]:
        return {h: to_mm(v) for h, v in zip(self._spans_h, self._sums, strict=True)}

    def daily(self, days: int) -> list[float]:
        """``[R0, R1, …, R_days]``: rain of the rolling 24-h blocks ending 0, 1, … days before as-of."""
        if days > self._antecedent:
            raise ValueError(f"只保留了{self._antecedent}天前期雨量 (only {self._antecedent} antecedent days kept)")
        cumulative = [0] + [self.total_units(24 * (i + 1)) for i in range(days + 1)]
        return [to_mm(cumulative[i + 1] - cumulative[i]) for i in range(days + 1)]

    def effective(self, k: float, days: int) -> float:
        """Effective antecedent rainfall ``R0 + Σ_{i=1..days} K^i·R_i`` in mm."""
        return effective_rainfall(self.daily(days), k)


class RainBook:
    """Rolling totals for many gauges, keyed by station code (in-process state fed by ingest)."""

    def __init__(self, windows_h: Iterable[int] = DEFAULT_WINDOWS_H, antecedent_days: int = 0) -> None:
        self.windows_h = tuple(windows_h)
        self.antecedent_days = antecedent_days
        self.gauges: dict[str, RollingRain] = {}

    def gauge(self, station: str) -> RollingRain:
        found = self.gauges.get(station)
        if found is None:
            found = self.gauges[station] = RollingRain(self.windows_h, self.antecedent_days)
        return found

    def add(self, station: str, t: datetime, mm: float) -> bool:
        return self.gauge(station).add(t, mm)

    def advance(self, now: datetime) -> None:
        for gauge in self.gauges.values():
            gauge.advance(now)

    def last_readings(self) -> Mapping[str, datetime | None]:
        return {code: g.last_reading for code, g in self.gauges.items()}
