"""Hindcast (回算): replay a rainfall record through the thresholds and the warning lifecycle, count the warnings
per colour per year, and score them against a list of landslides. Pure (no I/O, no database writes).

**Input.** Readings ``station,time,mm`` (``mm`` is the rain of the interval ending at ``time``; a time without
offset is local time). The record is put on a regular grid of ``step`` minutes (by default the smallest
interval between two readings of a station, at most 60; it must divide 60); a reading off the grid counts at
the next grid point. **A grid point without a reading had no rain**, so a file may list only the wet hours;
a gauge is not "silent" in a hindcast. Each zone uses its best-ranked gauge that has readings in the file;
a zone none of whose gauges is in the file is reported as without data.

**Replay.** At every grid point each zone's rolling 1/3/6/12/24 h totals (and effective rainfall when the
configuration has a rule) are compared with its thresholds exactly as the service does (same fixed point,
same choice of the triggering measure), and the zone's warning runs the service's lifecycle
(:func:`gridgov.warning.lifecycle.decide`: issue, upgrade, downgrade after a calm spell, all clear after the
quiet time). The replay runs on past the last reading until every warning has ended.

**A warning** is one lifecycle from issue to all clear (or expiry); it is counted once, at its highest colour,
in the (local) year it was issued.

**Scores**, given landslides as ``zone,date`` (local dates), for warnings of at least yellow:

* a warning's *yellow span* runs from the moment it first stood at yellow or above to its all clear (a
  warning that stayed blue has none and is not scored);
* an event is a **hit** when a yellow span of its zone overlaps the event day ± 1 day (from 00:00 of the day
  before to 24:00 of the day after); otherwise a **miss** (a blue warning alone is a miss);
* a warning is a **false alarm** when its yellow span overlaps no event day ± 1 day of its zone; otherwise it
  is a correct warning;
* POD = hits / events, FAR = false alarms / warnings, CSI = hits / (hits + misses + false alarms).
  Events outside the record (more than a day before its first or after its last reading) are left out.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from gridgov.sensing.parsing import Malformed, parse_time
from gridgov.warning.enums import COLOURS, Change, Colour
from gridgov.warning.lifecycle import Held, Lifecycle, decide
from gridgov.warning.rainfall import stamp, to_units
from gridgov.warning.simulation import ZoneSite, window_values
from gridgov.warning.thresholds import ThresholdConfig, compile_thresholds

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_MIN = 60_000_000
F64 = npt.NDArray[np.float64]


# input ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Rain:
    station: str
    time: datetime
    mm: float


@dataclass(frozen=True)
class Event:
    zone: str
    day: date


def _rows(data: bytes | str) -> Iterable[tuple[int, list[str]]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        yield number, cells


def _header(cells: list[str], names: Sequence[str]) -> bool:
    return [c.lower() for c in cells[: len(names)]] == list(names)


def parse_rainfall(data: bytes | str, zone: str = "Asia/Shanghai") -> tuple[list[Rain], list[RowError]]:
    """``station,time,mm`` rows (a header row is optional); bad rows are listed, not read."""
    out: list[Rain] = []
    errors: list[RowError] = []
    for number, cells in _rows(data):
        if _header(cells, ("station", "time", "mm")):
            continue
        if len(cells) < 3:
            errors.append(RowError(number, "mm", "应为 station,time,mm 三列 (expected three columns)"))
            continue
        station, when, amount = cells[:3]
        if not station:
            errors.append(RowError(number, "station", "缺少站点编码 (missing station)"))
            continue
        try:
            t = parse_time(when, zone)
        except Malformed:
            errors.append(RowError(number, "time", f"时间格式错误 (not a time): {when[:40]}"))
            continue
        try:
            mm = float(amount)
            to_units(mm)
        except ValueError:
            errors.append(RowError(number, "mm", f"雨量须为非负数 (rain must be a number >= 0): {amount[:40]}"))
            continue
        out.append(Rain(station, t, mm))
    return out, errors


def parse_zones(data: bytes | str) -> tuple[list[ZoneSite], list[RowError]]:
    """``zone,level,gauge[,rank][,name]`` rows, one per zone and gauge (rank 1 = nearest; by row order if
    absent)."""
    gauges: dict[str, list[tuple[str, int]]] = {}
    levels: dict[str, int] = {}
    names: dict[str, str] = {}
    errors: list[RowError] = []
    for number, cells in _rows(data):
        if _header(cells, ("zone", "level", "gauge")):
            continue
        if len(cells) < 3 or not cells[0] or not cells[2]:
            errors.append(RowError(number, "gauge", "应为 zone,level,gauge[,rank][,name] (expected zone,level,gauge)"))
            continue
        code, level_text, gauge = cells[:3]
        if level_text not in ("1", "2", "3"):
            errors.append(RowError(number, "level", f"管理等级须为1、2或3 (level must be 1, 2 or 3): {level_text}"))
            continue
        if code in levels and levels[code] != int(level_text):
            errors.append(RowError(number, "level", f"{code}的管理等级前后不一 (conflicting levels)"))
            continue
        rank_text = cells[3] if len(cells) > 3 else ""
        if rank_text and not rank_text.isdigit():
            errors.append(RowError(number, "rank", f"序号须为正整数 (rank must be a positive integer): {rank_text}"))
            continue
        levels[code] = int(level_text)
        listed = gauges.setdefault(code, [])
        listed.append((gauge, int(rank_text) if rank_text else len(listed) + 1))
        if len(cells) > 4 and cells[4]:
            names[code] = cells[4]
    zones = [
        ZoneSite(code, names.get(code, code), levels[code], tuple(sorted(g, key=lambda p: p[1])))
        for code, g in gauges.items()
    ]
    return zones, errors


def parse_events(data: bytes | str) -> tuple[list[Event], list[RowError]]:
    """``zone,date`` rows (a landslide on that zone that day, local date); further columns are ignored."""
    out: list[Event] = []
    errors: list[RowError] = []
    for number, cells in _rows(data):
        if _header(cells, ("zone", "date")):
            continue
        if len(cells) < 2 or not cells[0]:
            errors.append(RowError(number, "date", "应为 zone,date 两列 (expected zone,date)"))
            continue
        try:
            day = date.fromisoformat(cells[1][:10])
        except ValueError:
            errors.append(RowError(number, "date", f"日期应为YYYY-MM-DD (not a date): {cells[1][:40]}"))
            continue
        out.append(Event(cells[0], day))
    return out, errors


# the replay -----------------------------------------------------------------------------------------
@dataclass
class Warning:
    """One warning of the replay, from issue to all clear."""

    zone: str
    issued_at: datetime
    ended_at: datetime
    peak: Colour
    measure: str | None
    """What set the peak colour (window or ``effective``), its value and threshold (mm)."""
    value_mm: float | None
    threshold_mm: float | None
    yellow_from: datetime | None
    """When it first stood at yellow or above (None: blue throughout)."""
    open_at_end: bool = False
    """Still active when the replay stopped (it should not happen: the replay runs on until all clear)."""


@dataclass
class Hindcast:
    step_minutes: int
    first: datetime | None
    """The first and last reading used."""
    last: datetime | None
    readings: int
    zones: int
    """Zones replayed (those with a gauge in the record)."""
    without_data: list[str]
    ignored_stations: list[str]
    """Stations of the file no zone uses."""
    warnings: list[Warning] = field(default_factory=list)


def detect_step(rain: Sequence[Rain]) -> int:
    """The smallest interval (minutes) between two readings of a station, capped at 60; 60 if unknown."""
    times: dict[str, set[int]] = {}
    for r in rain:
        times.setdefault(r.station, set()).add(stamp(r.time))
    best = 60 * _US_PER_MIN
    for held in times.values():
        ordered = sorted(held)
        for a, b in zip(ordered, ordered[1:], strict=False):
            best = min(best, b - a)
    minutes = max(1, math.ceil(best / _US_PER_MIN))
    if 60 % minutes:
        raise ValueError(f"读数间隔{minutes}分钟不能整除60分钟；请用--step-minutes指定 (give --step-minutes)")
    return minutes


def _lowest_thresholds(table: F64) -> F64:
    lowest: F64 = table.min(axis=1)
    return lowest


def zone_colours(values: F64, table: F64) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.intp], F64, F64]:
    """For one zone, over time: ``values`` (T, measures) and its table (measures, colours) → colour rank, the
    triggering measure, its value and threshold at each step — the choice of :func:`thresholds.evaluate`
    (highest colour, then the largest exceedance ratio)."""
    n = values.shape[0]
    colour = np.zeros(n, dtype=np.int8)
    measure = np.full(n, -1, dtype=np.intp)
    value = np.full(n, np.nan)
    threshold = np.full(n, np.nan)
    rows = np.flatnonzero((values >= _lowest_thresholds(table)[None, :]).any(axis=1))
    if not len(rows):
        return colour, measure, value, threshold
    v = values[rows]
    ranks = np.arange(1, table.shape[1] + 1, dtype=np.int8)
    level = ((v[:, :, None] >= table[None, :, :]) * ranks).max(axis=2)
    at_level = np.take_along_axis(
        np.broadcast_to(table, (len(rows), *table.shape)), np.maximum(level.astype(np.intp) - 1, 0)[:, :, None], axis=2
    )[:, :, 0]
    reached = level > 0
    ratio = np.divide(v, at_level, out=np.zeros_like(v), where=reached)
    key = np.where(reached, level + ratio / (ratio + 1.0), 0.0)
    best = key.argmax(axis=1)
    picked = np.arange(len(rows))
    colour[rows] = level[picked, best]
    measure[rows] = best
    value[rows] = v[picked, best]
    threshold[rows] = at_level[picked, best]
    return colour, measure, value, threshold


def replay(
    rain: Sequence[Rain],
    zones: Sequence[ZoneSite],
    config: ThresholdConfig,
    lifecycle: Lifecycle,
    *,
    step_minutes: int | None = None,
) -> Hindcast:
    step = step_minutes or detect_step(rain)
    if step < 1 or 60 % step:
        raise ValueError("时间步长须整除60分钟 (the step must divide 60 minutes)")
    step_us = step * _US_PER_MIN
    held_by_station: dict[str, dict[int, int]] = {}
    for r in rain:  # a later reading for the same time replaces an earlier one
        held_by_station.setdefault(r.station, {})[stamp(r.time)] = to_units(r.mm)
    used: dict[str, list[ZoneSite]] = {}
    without: list[str] = []
    for zone in zones:
        gauge = next((code for code, _rank in sorted(zone.gauges, key=lambda p: p[1]) if code in held_by_station), None)
        if gauge is None:
            without.append(zone.code)
        else:
            used.setdefault(gauge, []).append(zone)
    stamps = [s for station in used for s in held_by_station[station]]
    result = Hindcast(
        step,
        None,
        None,
        sum(len(held_by_station[s]) for s in used),
        sum(len(z) for z in used.values()),
        sorted(without),
        sorted(set(held_by_station) - set(used)),
    )
    if not stamps:
        return result
    result.first, result.last = (
        _EPOCH + timedelta(microseconds=min(stamps)),
        _EPOCH + timedelta(microseconds=max(stamps)),
    )
    first_slot = -(-min(stamps) // step_us)
    longest = max(config.windows_h + ([24 * (config.effective_rule.days + 1)] if config.effective_rule else []))
    tail_minutes = longest * 60 + lifecycle.quiet_minutes + lifecycle.downgrade_minutes + 2 * step
    n = -(-max(stamps) // step_us) - first_slot + 1 + tail_minutes // step
    compiled = compile_thresholds(config, [(z.code, z.level) for zs in used.values() for z in zs])
    position = 0
    for station in sorted(used):
        units = np.zeros((n, 1), dtype=np.int64)
        for s, v in held_by_station[station].items():
            units[-(-s // step_us) - first_slot, 0] += v
        values = window_values(units, step, config)[:, 0, :]
        for zone in used[station]:
            table = compiled.tables[compiled.table_index[position]]
            position += 1
            colour, measure, value, threshold = zone_colours(values, table)
            result.warnings += _lifecycle(
                zone.code,
                colour,
                [compiled.measures[i] if i >= 0 else None for i in measure],
                value,
                threshold,
                lambda i: _EPOCH + timedelta(microseconds=(first_slot + i) * step_us),
                lifecycle,
            )
    result.warnings.sort(key=lambda w: (w.issued_at, w.zone))
    return result


def _lifecycle(
    zone: str,
    colour: npt.NDArray[np.int8],
    measure: Sequence[str | None],
    value: F64,
    threshold: F64,
    time_of: Callable[[int], datetime],
    policy: Lifecycle,
) -> list[Warning]:
    out: list[Warning] = []
    candidates = np.flatnonzero(colour >= policy.lowest.rank)
    if not len(candidates):
        return out
    held: Held | None = None
    current: Warning | None = None
    n = len(colour)
    i = int(candidates[0])
    next_candidate = 0
    while i < n:
        now = time_of(i)
        observed = int(colour[i])
        decision = decide(held, observed, now, policy)
        for step in decision.steps:
            if step.change in (Change.cancelled, Change.expired) and current is not None:
                current.ended_at = now
                out.append(current)
                current = None
            elif step.change is Change.issued:
                current = Warning(zone, now, now, step.colour, None, None, None, None)
            if current is not None and step.change in (Change.issued, Change.upgraded):
                if step.colour.rank >= current.peak.rank:
                    current.peak = step.colour
                    current.measure = measure[i]
                    current.value_mm = float(value[i]) if measure[i] else None
                    current.threshold_mm = float(threshold[i]) if measure[i] else None
                if current.yellow_from is None and step.colour.rank >= Colour.yellow.rank:
                    current.yellow_from = now
        held = decision.held
        if held is None:
            while next_candidate < len(candidates) and candidates[next_candidate] <= i:
                next_candidate += 1
            if next_candidate == len(candidates):
                break
            i = int(candidates[next_candidate])
        else:
            i += 1
    if current is not None:
        current.ended_at = time_of(n - 1)
        current.open_at_end = True
        out.append(current)
    return out


# the report -----------------------------------------------------------------------------------------
def per_year(result: Hindcast, zone: str = "Asia/Shanghai") -> dict[int, dict[str, int]]:
    """Warnings per local year of issue and highest colour (red first); every year of the record appears."""
    tz = ZoneInfo(zone)
    years: dict[int, dict[str, int]] = {}
    if result.first is not None and result.last is not None:
        for year in range(result.first.astimezone(tz).year, result.last.astimezone(tz).year + 1):
            years[year] = {c.value: 0 for c in reversed(COLOURS)}
    for w in result.warnings:
        year = w.issued_at.astimezone(tz).year
        years.setdefault(year, {c.value: 0 for c in reversed(COLOURS)})[w.peak.value] += 1
    return dict(sorted(years.items()))


@dataclass(frozen=True)
class EventOutcome:
    event: Event
    hit: bool
    colour: Colour | None
    """The highest colour of the warnings that hit it."""


@dataclass
class Verification:
    events: list[EventOutcome]
    false_alarms: list[Warning]
    warnings: int
    """Warnings of yellow or above."""
    outside: list[Event]
    """Events outside the record (not scored)."""
    unknown_zone: list[Event]

    @property
    def hits(self) -> int:
        return sum(1 for e in self.events if e.hit)

    @property
    def misses(self) -> int:
        return sum(1 for e in self.events if not e.hit)

    @property
    def pod(self) -> float | None:
        return self.hits / len(self.events) if self.events else None

    @property
    def far(self) -> float | None:
        return len(self.false_alarms) / self.warnings if self.warnings else None

    @property
    def csi(self) -> float | None:
        total = self.hits + self.misses + len(self.false_alarms)
        return self.hits / total if total else None


def _day_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From 00:00 of the day before to 24:00 of the day after, local."""
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tz)
    return start.astimezone(UTC), (start + timedelta(days=3)).astimezone(UTC)


def verify(
    result: Hindcast, events: Sequence[Event], zone_codes: Iterable[str], zone: str = "Asia/Shanghai"
) -> Verification:
    tz = ZoneInfo(zone)
    known = set(zone_codes)
    warned = [w for w in result.warnings if w.yellow_from is not None]
    by_zone: dict[str, list[Warning]] = {}
    for w in warned:
        by_zone.setdefault(w.zone, []).append(w)
    scored: list[Event] = []
    outside: list[Event] = []
    unknown: list[Event] = []
    first_day = result.first.astimezone(tz).date() if result.first else None
    last_day = result.last.astimezone(tz).date() if result.last else None
    for event in events:
        if event.zone not in known:
            unknown.append(event)
        elif (
            first_day is None
            or last_day is None
            or not (first_day - timedelta(days=1) <= event.day <= last_day + timedelta(days=1))
        ):
            outside.append(event)
        else:
            scored.append(event)
    outcomes: list[EventOutcome] = []
    correct: set[int] = set()
    for event in scored:
        start, end = _day_window(event.day, tz)
        hitting = [
            w
            for w in by_zone.get(event.zone, [])
            if w.yellow_from is not None and w.yellow_from < end and w.ended_at >= start
        ]
        correct |= {id(w) for w in hitting}
        colour = max((w.peak for w in hitting), key=lambda c: c.rank, default=None)
        outcomes.append(EventOutcome(event, bool(hitting), colour))
    return Verification(outcomes, [w for w in warned if id(w) not in correct], len(warned), outside, unknown)


def report_json(
    result: Hindcast, years: dict[int, dict[str, int]], verification: Verification | None, zone: str = "Asia/Shanghai"
) -> dict[str, Any]:
    """The report as plain data (``gridgov hindcast --json``)."""
    tz = ZoneInfo(zone)

    def local(t: datetime | None) -> str | None:
        return None if t is None else t.astimezone(tz).isoformat(timespec="minutes")

    def warning(w: Warning) -> dict[str, Any]:
        return {
            "zone": w.zone,
            "issued_at": local(w.issued_at),
            "ended_at": local(w.ended_at),
            "colour": w.peak.value,
            "measure": w.measure,
            "value_mm": w.value_mm,
            "threshold_mm": w.threshold_mm,
            "yellow_from": local(w.yellow_from),
        }

    out: dict[str, Any] = {
        "step_minutes": result.step_minutes,
        "first": local(result.first),
        "last": local(result.last),
        "readings": result.readings,
        "zones": result.zones,
        "zones_without_data": result.without_data,
        "ignored_stations": result.ignored_stations,
        "per_year": {str(year): counts for year, counts in years.items()},
        "warnings": [warning(w) for w in result.warnings],
    }
    if verification is not None:
        v = verification
        out["verification"] = {
            "events": len(v.events),
            "hits": v.hits,
            "misses": v.misses,
            "warnings": v.warnings,
            "false_alarms": len(v.false_alarms),
            "pod": v.pod,
            "far": v.far,
            "csi": v.csi,
            "hit_colours": {
                c: sum(1 for e in v.events if e.colour and e.colour.value == c) for c in ("red", "orange", "yellow")
            },
            "outcomes": [
                {
                    "zone": e.event.zone,
                    "date": e.event.day.isoformat(),
                    "hit": e.hit,
                    "colour": e.colour.value if e.colour else None,
                }
                for e in v.events
            ],
            "false_alarm_warnings": [warning(w) for w in v.false_alarms],
            "outside": [{"zone": e.zone, "date": e.day.isoformat()} for e in v.outside],
            "unknown_zone": [{"zone": e.zone, "date": e.day.isoformat()} for e in v.unknown_zone],
        }
    return out
