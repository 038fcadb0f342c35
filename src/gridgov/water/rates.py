"""The three rates (三率) of water meters' online data over a period (pure).

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

The rates are computed over columns (``Columns``: stream, time, received, value as numpy arrays) so that the
county's 10,000 meters × a month of 5-minute readings take seconds, not minutes: slot counts are counts of slot
changes along the (stream, time) order, and the validity rule, a scan whose state is the last accepted reading,
is decided pairwise for all readings at once and replayed one reading at a time only after a rejected one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt


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


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
US = 1_000_000
"""Microseconds per second: the columns' times are whole microseconds since the epoch."""
SEARCH_WIDTH = 64
"""Readings tried at once when looking for the next acceptable reading after a rejected one (then × 4)."""

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


def micros(moment: datetime) -> int:
    """A timezone-aware moment as whole microseconds since the epoch."""
    return (moment - EPOCH) // MICROSECOND


@dataclass(frozen=True)
class Columns:
    """Readings of one or more datastreams as columns, each stream's readings together (as read: by stream,
    then time). Times are microseconds since the epoch (``micros``)."""

    stream: Ints
    time: Ints
    received: Ints
    value: Floats

    @classmethod
    def of(cls, readings: Sequence[Reading], stream: int = 0) -> Columns:
        """One stream's readings, in the given order."""
        return cls(
            np.full(len(readings), stream, dtype=np.int64),
            np.array([micros(r.time) for r in readings], dtype=np.int64),
            np.array([micros(r.received) for r in readings], dtype=np.int64),
            np.array([r.value for r in readings], dtype=np.float64),
        )

    def take(self, index: Ints) -> Columns:
        return Columns(self.stream[index], self.time[index], self.received[index], self.value[index])

    def by_stream_and_time(self) -> Columns:
        """The same readings ordered by stream then time, readings of equal time keeping their order."""
        stream, time = self.stream, self.time
        step = stream[1:] - stream[:-1]
        if bool(np.all((step > 0) | ((step == 0) & (time[1:] >= time[:-1])))):
            return self
        return self.take(np.lexsort((time, stream)).astype(np.int64))


def expected_slots(start: datetime, end: datetime, interval: int) -> int:
    """Slots that overlap ``[start, end)`` (periods start and end on the grid, so sub-periods add up)."""
    if end <= start:
        return 0
    first = int(start.timestamp()) // interval
    last = -(-int(end.timestamp()) // interval)
    return last - first


def _fits(rise: Floats, elapsed_us: Ints, rules: Rules) -> Flags:
    """Whether a rise of the counter over ``elapsed_us`` is plausible: not backwards, not above the meter's
    range per elapsed interval (at least one). Written as the negation of the rejection so that NaN fits."""
    elapsed = np.maximum(elapsed_us / US / rules.interval_seconds, 1.0)
    return ~((rise < 0) | (rise > rules.max_increment_m3 * elapsed))


def _accepted(time: Ints, value: Floats, first: Flags, rules: Rules) -> tuple[Flags, Flags]:
    """Which readings (none negative; ``first``: a stream's first) become the last accepted one, each compared
    with the last accepted reading of its stream before it; and whether the counter stood still since that one.

    Pairs of neighbours are checked at once; as long as they fit, every reading is accepted. At a reading that
    does not fit its accepted neighbour (an incident), the readings after it are compared with that neighbour
    until one fits, usually the next one (a single spike or drop), and the pairwise chain resumes there."""
    size = value.size
    accepted = np.ones(size, dtype=np.bool_)
    stood = np.zeros(size, dtype=np.bool_)
    if size < 2:
        return accepted, stood
    rise = value[1:] - value[:-1]
    stood[1:] = rise == 0
    least = rules.max_increment_m3 if rules.max_increment_m3 >= 0 else -np.inf  # the limit for one interval
    fits = ~((rise < 0) | (rise > least))
    unsure = np.flatnonzero(~fits)
    fits[unsure] = _fits(rise[unsure], time[unsure + 1] - time[unsure], rules)
    bad = np.flatnonzero(~fits & ~first[1:]) + 1
    if not bad.size:
        return accepted, stood
    after = np.minimum(bad + 1, size - 1)
    skips = _fits(value[after] - value[bad - 1], time[after] - time[bad - 1], rules) & (bad + 1 < size)
    skips &= ~first[after]
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], size)
    stream_end = ends[np.searchsorted(starts, bad, side="right") - 1]
    settled = 0  # readings before it are decided; from it, the chain of fitting neighbours is accepted
    for incident, skip, end in zip(bad.tolist(), skips.tolist(), stream_end.tolist(), strict=True):
        if incident < settled:
            continue
        last, found = incident - 1, end
        if skip:
            found = incident + 1
        else:
            low, width = incident + 1, SEARCH_WIDTH
            while low < end:
                high = min(end, low + width)
                hits = np.flatnonzero(_fits(value[low:high] - value[last], time[low:high] - time[last], rules))
                if hits.size:
                    found = low + int(hits[0])
                    break
                low, width = high, width * 4
        accepted[incident:found] = False
        if found < end:
            stood[found] = value[found] - value[last] == 0
        settled = found + 1 if found < end else end
    return accepted, stood


def valid_mask(columns: Columns, rules: Rules) -> Flags:
    """Whether each reading is valid, each compared with the last accepted reading of its stream before it.

    A negative value is invalid and never compared with. A reading is accepted when it is its stream's first
    or its counter neither went backwards nor rose above ``max_increment_m3`` per elapsed interval; an accepted
    reading is valid unless the counter stood still (rise 0) for more than ``flat_intervals`` intervals since
    it last rose (or since the stream's first accepted reading)."""
    kept = ~(columns.value < 0)
    time, value, stream = _where(kept, columns.time, columns.value, columns.stream)
    first = _firsts(stream)
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, which fits and rises (as in plain Python)
        accepted, stood = _accepted(time, value, first, rules)
    rose = first | ~stood
    valid = accepted & rose
    flat = np.flatnonzero(accepted & ~rose)
    if flat.size:
        marks = np.flatnonzero(valid)
        since = marks[np.searchsorted(marks, flat, side="right") - 1]
        valid[flat] = (time[flat] - time[since]) / US / rules.interval_seconds <= rules.flat_intervals
    return _spread(kept, valid)


def _where(mask: Flags, time: Ints, value: Floats, stream: Ints) -> tuple[Ints, Floats, Ints]:
    """The columns where ``mask`` holds (themselves when it holds everywhere, the usual case)."""
    if mask.all():
        return time, value, stream
    return time[mask], value[mask], stream[mask]


def _spread(mask: Flags, flags: Flags) -> Flags:
    """``flags`` of the elements where ``mask`` holds, back in place (False elsewhere)."""
    if flags.size == mask.size:
        return flags
    spread = np.zeros(mask.size, dtype=np.bool_)
    spread[mask] = flags
    return spread


def validity(readings: Sequence[Reading], rules: Rules) -> list[bool]:
    """Whether each reading of one meter (sorted by time) is valid (``valid_mask``)."""
    return [bool(flag) for flag in valid_mask(Columns.of(readings), rules)]


def _firsts(stream: Ints) -> Flags:
    """Whether each element starts a run of equal stream ids."""
    first = np.ones(stream.size, dtype=np.bool_)
    first[1:] = stream[1:] != stream[:-1]
    return first


def stream_rates(
    columns: Columns, streams: Sequence[int], start: datetime, end: datetime, rules: Rules
) -> dict[int, Rates]:
    """The three rates' parts of each of ``streams`` for its readings of ``[start, end)`` in ``columns``
    (others are ignored; a stream without readings has only its expected slots)."""
    interval = rules.interval_seconds
    expected = expected_slots(start, end, interval)
    found = {stream: Rates(expected=expected) for stream in streams}
    low, high = micros(start), micros(end)
    inside = (columns.time >= low) & (columns.time < high)
    if not inside.all():
        columns = columns.take(np.flatnonzero(inside))
    if not columns.time.size:
        return found
    columns = columns.by_stream_and_time()
    stream, time = columns.stream, columns.time
    seconds = time // US
    if low < 0:  # a slot is counted from the timestamp truncated to whole seconds, towards zero
        seconds += (time < 0) & (time % US != 0)
    slot = seconds // interval
    timely = (columns.received - time) / US <= rules.lateness_seconds
    timely_of = _distinct_slots(stream[timely], slot[timely])
    complete_of = _distinct_slots(stream, slot)
    starts = np.flatnonzero(_firsts(stream))
    valid = np.add.reduceat(valid_mask(columns, rules), starts, dtype=np.int64).tolist()
    received = np.diff(np.append(starts, time.size)).tolist()
    for index, stream_id in enumerate(stream[starts].tolist()):
        found[stream_id] = Rates(
            timely=timely_of.get(stream_id, 0),
            expected=expected,
            complete=complete_of[stream_id],
            valid=valid[index],
            received=received[index],
        )
    return found


def _distinct_slots(stream: Ints, slot: Ints) -> dict[int, int]:
    """Stream id → how many distinct slots its readings fall in (readings by stream, then slot)."""
    new = _firsts(stream)
    starts = np.flatnonzero(new)
    if not starts.size:
        return {}
    new[1:] |= slot[1:] != slot[:-1]
    counts = np.add.reduceat(new, starts, dtype=np.int64)
    return dict(zip(stream[starts].tolist(), counts.tolist(), strict=True))
