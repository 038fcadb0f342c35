"""A seeded typhoon over the county's rain gauges (模拟台风): the rain field, the readings, and the colour each
zone is expected to reach under the thresholds. Used by ``gridgov simulate storm``.

The storm (pure, deterministic for a seed):

* An eye moves in a straight line at 6–9 km/h, heading NW to NNW as typhoons making landfall in Zhejiang do,
  across the eastern part of the district (its closest point to the county's centre is drawn from the seed),
  so the west of the county stays dry.
* Rain rate around the eye is a Rankine-like profile: weaker in the eye, maximum at the eyewall
  (``eye_km``), falling off exponentially outside (``decay_km``) with a sharp outer edge of the rain shield
  (``edge_km``); heavier in the front-left quadrant; one logarithmic spiral rain band (pitch 15–25°) turning
  with the storm; the storm builds up over two hours and weakens after landfall.
* Each gauge has a fixed orographic factor and a short-lived convective factor (lognormal, AR(1) over the
  5-minute steps); a 5-minute amount is capped at 150 mm/h.
* Gauges are tipping buckets of 0.1 mm: a reading is the whole tips of the interval, the remainder carries
  over, so a dry gauge reads 0.0 and every gauge reports every step (a silent gauge would be "no data").

The expected colours (:func:`expected_colours`) are computed with the very functions the warning service
evaluates with (:mod:`gridgov.warning.thresholds`), on the same 0.001 mm fixed point as the rolling totals, so
a test may compare the server's colours with them exactly.

**Time base.** The warning evaluator judges rolling totals as of the *server's* clock, and the ingest refuses
readings more than five minutes in the future. In real time, the reading for the five minutes ending at ``T`` is
sent at ``T``. An accelerated run (``--fast``) cannot move the server's clock, so the storm is *backdated*: it
ends at the moment the replay starts (``end = now``) and its readings are delivered as a gauge's data logger
delivers a buffered record after an outage — the latest reading of every gauge first (so every gauge is live at
once, and no zone falls back to a second gauge in the meantime), then the record from the beginning, in blocks.
Each window total then only grows while the replay runs, and once it is complete the server sees exactly the
totals as of the storm's end; the colours it reaches are the colours as of the end (``peak=False``), which
for the 12 and 24 h windows hold the whole storm. A real-time run reaches the peak over time (``peak=True``):
short bursts during the storm can raise a zone higher than its end-of-storm totals do. The expectation assumes
no other rain in the 24 hours before the storm. The replay must finish within five minutes of its start (the
oldest reading of a window would otherwise leave it; ``--fast`` takes under a minute).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from gridgov.warning.enums import COLOURS, Colour
from gridgov.warning.thresholds import (
    EFFECTIVE,
    Assignments,
    GaugeMatrix,
    ThresholdConfig,
    compile_thresholds,
    evaluate,
    window_hours,
)

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
TIP_MM = 0.1
"""Tipping-bucket resolution: readings are whole tenths of a millimetre."""
MAX_RATE_MM_H = 150.0
UNITS_PER_TENTH = 100
"""0.1 mm in the rolling totals' fixed point (0.001 mm)."""
DEFAULT_SEED = 2019
DEFAULT_HOURS = 12
STEP_MINUTES = 5

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


# the network -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gauge:
    code: str
    lon: float
    lat: float


@dataclass(frozen=True)
class ZoneSite:
    code: str
    name: str
    level: int
    """Management level 1/2/3 (picks the threshold table)."""
    gauges: tuple[tuple[str, int], ...]
    """(station code, rank) — rank 1 the nearest."""


@dataclass(frozen=True)
class Network:
    gauges: tuple[Gauge, ...]
    zones: tuple[ZoneSite, ...]
    county: str
    """GB/T 2260 code of the county: the second segment of the MQTT topics."""


# the storm ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Storm:
    """A typhoon's rain field over a local kilometre grid centred on ``origin`` (x east, y north)."""

    seed: int
    hours: int
    step_minutes: int
    origin: tuple[float, float]
    """(lon, lat) of the grid's origin: the centre of the gauges' bounding box."""
    start_km: tuple[float, float]
    """Eye position at the start of the storm."""
    velocity_km_h: tuple[float, float]
    peak_mm_h: float
    """Rain rate at the eyewall at full strength."""
    eye_km: float
    decay_km: float
    edge_km: float
    band_mm_h: float
    band_pitch_deg: float
    band_width_rad: float
    band_turn_rad_h: float
    asymmetry: float
    noise: float
    """Sigma of the convective (log) factor; the orographic factor has half of it."""

    @property
    def steps(self) -> int:
        return self.hours * 60 // self.step_minutes

    @property
    def speed_km_h(self) -> float:
        return math.hypot(*self.velocity_km_h)

    @property
    def heading_deg(self) -> float:
        """Compass bearing of the motion (0 = north, 90 = east)."""
        vx, vy = self.velocity_km_h
        return math.degrees(math.atan2(vx, vy)) % 360

    def eye_at(self, t_h: float) -> tuple[float, float]:
        return self.start_km[0] + self.velocity_km_h[0] * t_h, self.start_km[1] + self.velocity_km_h[1] * t_h

    def eye_lonlat(self, t_h: float) -> tuple[float, float]:
        x, y = self.eye_at(t_h)
        return to_lonlat(self.origin, x, y)


def to_km(origin: tuple[float, float], lon: F64, lat: F64) -> tuple[F64, F64]:
    """Local equirectangular projection around ``origin`` (good to well under 1 % over a county)."""
    lon0, lat0 = origin
    x = (lon - lon0) * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    y = (lat - lat0) * KM_PER_DEG_LAT
    return x, y


def to_lonlat(origin: tuple[float, float], x: float, y: float) -> tuple[float, float]:
    lon0, lat0 = origin
    return lon0 + x / (KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))), lat0 + y / KM_PER_DEG_LAT


def storm_for(gauges: Sequence[Gauge], seed: int = DEFAULT_SEED, hours: int = DEFAULT_HOURS) -> Storm:
    """The storm of a seed over these gauges: the track crosses the eastern part of their extent."""
    if not gauges:
        raise ValueError("没有雨量站 (no rain gauges)")
    if hours < 1 or hours > 48:
        raise ValueError("台风历时须在1至48小时之间 (hours must be 1–48)")
    rng = np.random.default_rng(seed)
    lons = np.array([g.lon for g in gauges])
    lats = np.array([g.lat for g in gauges])
    origin = (float(lons.min() + lons.max()) / 2, float(lats.min() + lats.max()) / 2)
    xs, ys = to_km(origin, lons, lats)
    width, height = float(xs.max() - xs.min()), float(ys.max() - ys.min())
    bearing = math.radians(rng.uniform(300.0, 345.0))
    speed = rng.uniform(6.0, 9.0)
    velocity = (speed * math.sin(bearing), speed * math.cos(bearing))
    closest = (rng.uniform(0.2, 0.4) * width, rng.uniform(-0.2, 0.1) * height)
    half = hours / 2
    start = (closest[0] - velocity[0] * half, closest[1] - velocity[1] * half)
    return Storm(
        seed=seed,
        hours=hours,
        step_minutes=STEP_MINUTES,
        origin=origin,
        start_km=start,
        velocity_km_h=velocity,
        peak_mm_h=float(rng.uniform(30.0, 40.0)),
        eye_km=float(rng.uniform(6.0, 9.0)),
        decay_km=float(rng.uniform(8.0, 11.0)),
        edge_km=float(rng.uniform(24.0, 30.0)),
        band_mm_h=float(rng.uniform(8.0, 14.0)),
        band_pitch_deg=float(rng.uniform(15.0, 25.0)),
        band_width_rad=float(rng.uniform(0.35, 0.55)),
        band_turn_rad_h=float(rng.uniform(0.2, 0.5)),
        asymmetry=float(rng.uniform(0.2, 0.4)),
        noise=float(rng.uniform(0.3, 0.4)),
    )


def envelope(storm: Storm, t_h: float) -> float:
    """Build-up over the first two hours, then a steady weakening after landfall (to 65 % at the end)."""
    ramp = min(max(t_h / 2.0, 0.0), 1.0)
    return ramp * ramp * (3 - 2 * ramp) * (1 - 0.35 * t_h / storm.hours)


def rain_rate(storm: Storm, x: F64, y: F64, t_h: float) -> F64:
    """Rain rate (mm/h) at points (km) and time ``t_h`` hours after the start, before gauge factors."""
    ex, ey = storm.eye_at(t_h)
    dx, dy = x - ex, y - ey
    r = np.hypot(dx, dy)
    rm, re = storm.eye_km, storm.decay_km
    core = np.where(r < rm, storm.peak_mm_h * (0.3 + 0.7 * (r / rm) ** 2), storm.peak_mm_h * np.exp(-(r - rm) / re))
    vx, vy = storm.velocity_km_h
    speed = math.hypot(vx, vy) or 1.0
    fx, fy = (vx - vy) / speed, (vy + vx) / speed  # motion + its left: the front-left quadrant
    norm = math.hypot(fx, fy)
    cosine = (dx * fx + dy * fy) / (np.maximum(r, 1e-6) * norm)
    # one logarithmic spiral arm, wound counter-clockwise inward (northern hemisphere), turning with the storm
    angle = np.arctan2(dy, dx)
    arm = storm.band_turn_rad_h * t_h - np.log(np.maximum(r, 1e-6) / rm) / math.tan(math.radians(storm.band_pitch_deg))
    phase = np.angle(np.exp(1j * (angle - arm)))
    band = np.where(
        r > rm,
        storm.band_mm_h * np.exp(-0.5 * (phase / storm.band_width_rad) ** 2) * np.exp(-(r - rm) / (2 * re)),
        0.0,
    )
    shield = np.exp(-((r / storm.edge_km) ** 8))
    rate: F64 = (core * (1 + storm.asymmetry * cosine) + band) * shield * envelope(storm, t_h)
    return rate


@dataclass(frozen=True)
class RainSeries:
    """Readings of every gauge at every step: ``tenths[k, g]`` is the rain (0.1 mm) of the interval ending
    at ``times[k]`` at gauge ``codes[g]``."""

    codes: tuple[str, ...]
    times: tuple[datetime, ...]
    tenths: I32
    step_minutes: int

    @property
    def steps(self) -> int:
        return len(self.times)

    def mm(self, k: int, g: int) -> float:
        return int(self.tenths[k, g]) / 10

    def totals_mm(self) -> F64:
        total: F64 = self.tenths.sum(axis=0) / 10
        return total


def storm_times(storm: Storm, end: datetime) -> tuple[datetime, ...]:
    """The end of each 5-minute interval, the last one at ``end``."""
    step = timedelta(minutes=storm.step_minutes)
    n = storm.steps
    return tuple(end - step * (n - 1 - k) for k in range(n))


def readings(storm: Storm, gauges: Sequence[Gauge], end: datetime) -> RainSeries:
    """Every gauge's reading at every step of the storm (deterministic for the storm's seed)."""
    rng = np.random.default_rng([storm.seed, 1])
    lons = np.array([g.lon for g in gauges])
    lats = np.array([g.lat for g in gauges])
    x, y = to_km(storm.origin, lons, lats)
    n_gauges = len(gauges)
    orographic = np.exp(rng.normal(0.0, storm.noise / 2, n_gauges) - (storm.noise / 2) ** 2 / 2)
    rho = 0.85
    state = rng.normal(0.0, 1.0, n_gauges)
    carry = np.zeros(n_gauges)
    step_h = storm.step_minutes / 60
    tenths = np.zeros((storm.steps, n_gauges), dtype=np.int32)
    for k in range(storm.steps):
        state = rho * state + math.sqrt(1 - rho * rho) * rng.normal(0.0, 1.0, n_gauges)
        convective = np.exp(storm.noise * state - storm.noise**2 / 2)
        rate = rain_rate(storm, x, y, (k + 0.5) * step_h) * orographic * convective
        carry = carry + np.minimum(rate, MAX_RATE_MM_H) * step_h
        tips = np.floor(carry / TIP_MM + 1e-9)
        tenths[k] = tips.astype(np.int32)
        carry = carry - tips * TIP_MM
    return RainSeries(tuple(g.code for g in gauges), storm_times(storm, end), tenths, storm.step_minutes)


# what the thresholds make of it --------------------------------------------------------------------
@dataclass(frozen=True)
class ZoneExpectation:
    code: str
    name: str
    level: int
    colour: Colour | None
    """The highest colour the zone reaches (None: stays below every threshold)."""
    measure: str | None
    value_mm: float | None
    threshold_mm: float | None
    gauge: str | None
    at: datetime | None
    """When it first reaches that colour (the end of the storm for an end-of-storm expectation)."""


def _spans(config: ThresholdConfig) -> list[int]:
    spans = set(config.windows_h)
    if config.effective_rule is not None:
        spans |= {24 * (i + 1) for i in range(config.effective_rule.days + 1)}
    return sorted(spans)


def window_values(units: I64, step_minutes: int, config: ThresholdConfig) -> F64:
    """(steps, gauges, measures) from ``units[k, g]``, the rain (0.001 mm) of the interval ending at step ``k``
    on a regular grid: each measure as of each step, as the rolling totals give it — integer 0.001 mm sums
    turned into millimetres (:func:`gridgov.warning.rainfall.to_mm`), and effective rainfall summed in the
    order of :func:`gridgov.warning.rainfall.effective_rainfall` — so the floats are the service's own."""
    per_hour = 60 // step_minutes
    if step_minutes < 1 or per_hour * step_minutes != 60:
        raise ValueError("时间步长须整除60分钟 (the step must divide 60 minutes)")
    cumulative = np.vstack([np.zeros((1, units.shape[1]), dtype=np.int64), np.cumsum(units, axis=0)])
    n = units.shape[0]
    ends = np.arange(1, n + 1)
    span_units: dict[int, I64] = {}
    for span in _spans(config):
        starts = np.maximum(ends - span * per_hour, 0)
        span_units[span] = cumulative[ends] - cumulative[starts]
    out = np.zeros((n, units.shape[1], len(config.measures)))
    for m, measure in enumerate(config.measures):
        if measure == EFFECTIVE:
            rule = config.effective_rule
            assert rule is not None
            previous = np.zeros_like(span_units[24])
            total = np.zeros(out.shape[:2])
            for i in range(rule.days + 1):
                now = span_units[24 * (i + 1)]
                total = total + ((now - previous) / 1000) * rule.k**i
                previous = now
            out[:, :, m] = total
        else:
            hours = window_hours(measure)
            assert hours is not None
            out[:, :, m] = span_units[hours] / 1000
    return out


def measure_values(series: RainSeries, config: ThresholdConfig, gauge_index: Sequence[int]) -> F64:
    """(steps, gauges, measures) of the listed gauges of a storm (see :func:`window_values`)."""
    units = series.tenths[:, list(gauge_index)].astype(np.int64) * UNITS_PER_TENTH
    return window_values(units, series.step_minutes, config)


def expected_colours(
    series: RainSeries, zones: Sequence[ZoneSite], config: ThresholdConfig, *, peak: bool
) -> list[ZoneExpectation]:
    """Each zone's colour under the thresholds: the highest over every step (``peak``, a real-time run) or
    as of the last step (a backdated ``--fast`` run). Gauges without readings are silent (not live)."""
    codes = sorted({code for zone in zones for code, _rank in zone.gauges})
    index = {code: i for i, code in enumerate(codes)}
    column = {code: g for g, code in enumerate(series.codes)}
    present = [code for code in codes if code in column]
    values = np.zeros((series.steps, len(codes), len(config.measures)))
    if present:
        values[:, [index[c] for c in present], :] = measure_values(series, config, [column[c] for c in present])
    live = np.array([code in column for code in codes], dtype=np.bool_)
    slots = Assignments.pack([[(index[code], rank) for code, rank in zone.gauges] for zone in zones])
    compiled = compile_thresholds(config, [(zone.code, zone.level) for zone in zones])
    best = np.zeros(len(zones), dtype=np.int8)
    found: list[ZoneExpectation | None] = [None] * len(zones)
    steps = range(series.steps) if peak else [series.steps - 1]
    for k in steps:
        result = evaluate(GaugeMatrix(values[k], live), slots, compiled)
        for z in np.flatnonzero(result.colour > best):
            trigger = result.trigger(int(z), codes)
            zone = zones[int(z)]
            best[z] = result.colour[z]
            found[int(z)] = ZoneExpectation(
                zone.code,
                zone.name,
                zone.level,
                trigger.colour,
                trigger.measure,
                trigger.value_mm,
                trigger.threshold_mm,
                trigger.gauge,
                series.times[k],
            )
    return [
        found[z] or ZoneExpectation(zone.code, zone.name, zone.level, None, None, None, None, None, None)
        for z, zone in enumerate(zones)
    ]


def colour_counts(expectations: Sequence[ZoneExpectation]) -> dict[str, int]:
    """Zones per colour, red first, and ``none`` for those that stay below every threshold."""
    counts = {c.value: 0 for c in reversed(COLOURS)} | {"none": 0}
    for e in expectations:
        counts[e.colour.value if e.colour else "none"] += 1
    return counts


# delivery plan -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Wave:
    """Readings sent together: the steps ``steps`` of every gauge, ``offset_s`` seconds after the start."""

    offset_s: float
    steps: tuple[int, ...]


def fast_waves(n_steps: int, seconds: float, block_steps: int = 12) -> list[Wave]:
    """Backdated replay: every gauge's latest reading first, then its record from the start in blocks of
    ``block_steps``, evenly spread over ``seconds``."""
    if n_steps < 1 or block_steps < 1:
        raise ValueError("n_steps and block_steps must be positive")
    blocks = [tuple(range(s, min(s + block_steps, n_steps - 1))) for s in range(0, n_steps - 1, block_steps)]
    plan = [(n_steps - 1,), *blocks]
    gap = seconds / max(len(plan) - 1, 1)
    return [Wave(i * gap, steps) for i, steps in enumerate(plan)]


def realtime_waves(series: RainSeries, start: datetime) -> list[Wave]:
    """Real time: each step's readings when its interval ends."""
    return [Wave((t - start).total_seconds(), (k,)) for k, t in enumerate(series.times)]


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


def _reading(series: RainSeries, k: int, g: int) -> dict[str, Any]:
    return {"time": _iso(series.times[k]), "value": series.mm(k, g), "unit": "mm"}


def mqtt_messages(series: RainSeries, wave: Wave, prefix: str, county: str) -> Iterator[tuple[str, bytes]]:
    """One message per gauge: ``<prefix>/<county>/stations/<code>/rainfall`` with one reading, or a list."""
    head = prefix.strip("/")
    for g, code in enumerate(series.codes):
        items = [_reading(series, k, g) for k in wave.steps]
        body: Any = items[0] if len(items) == 1 else items
        yield f"{head}/{county}/stations/{code}/rainfall", json.dumps(body, separators=(",", ":")).encode()


def http_bodies(series: RainSeries, wave: Wave, size: int = 5_000) -> Iterator[dict[str, Any]]:
    """The wave's readings as ``POST /api/v1/sensing/observations`` bodies of at most ``size`` items."""
    items: list[dict[str, Any]] = []
    for g, code in enumerate(series.codes):
        for k in wave.steps:
            items.append({"station": code, "property": "rainfall", **_reading(series, k, g)})
            if len(items) >= size:
                yield {"observations": items}
                items = []
    if items:
        yield {"observations": items}
