"""Rainfall thresholds per zone and their vectorised evaluation (pure, no I/O).

Tables are kept per management level (一级/二级/三级管理风险防范区), with per-zone overrides. A row says:
when the ``window_h``-hour rainfall reaches ``mm``, the zone is at least ``colour``. Blue is optional; each
window's thresholds rise with the colour. An optional effective-antecedent-rainfall rule (``R0 + Σ K^i·R_i``)
adds one more measure with its own rows.

A zone takes the highest colour that any measure reaches on its gauges. Its gauges are ranked (1 = the
nearest); the lowest rank that has a live gauge (a reading within ``silent_minutes``) is used, so a fallback
gauge stands in when the nearest is silent, and within that rank the wettest gauge counts. The result keeps
which measure, value, threshold and gauge triggered it — when several measures reach the same colour, the
one exceeded by the largest ratio — so thresholds can be recalibrated later.

:func:`evaluate` does this for many zones at once with numpy (100,000 zones well under a second).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gridgov.warning.enums import COLOURS, Colour
from gridgov.warning.rainfall import UNITS_PER_MM, RollingRain, stamp

EFFECTIVE = "effective"
"""The measure key of effective antecedent rainfall; window measures are ``"<h>h"``."""
MANAGEMENT_LEVELS = (1, 2, 3)
_NONE = np.iinfo(np.int32).max

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
Bool = npt.NDArray[np.bool_]


def window_key(hours: int) -> str:
    return f"{hours}h"


def window_hours(measure: str) -> int | None:
    """``"24h"`` → 24; the effective-rainfall measure has no window."""
    return None if measure == EFFECTIVE else int(measure.removesuffix("h"))


class ThresholdRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    window_h: int = Field(ge=1, le=720, description="累计时段(小时) accumulation window")
    colour: Colour
    mm: float = Field(gt=0, description="阈值(毫米) threshold")


class EffectiveRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    colour: Colour
    mm: float = Field(gt=0)


class EffectiveRule(BaseModel):
    """Effective antecedent rainfall 有效雨量 ``R0 + Σ_{i=1..days} K^i·R_i`` (rolling 24-h blocks)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    k: float = Field(default=0.84, gt=0, lt=1, description="衰减系数 K")
    days: int = Field(default=5, ge=1, le=30, description="前期天数 n")


class ThresholdTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rows: list[ThresholdRow] = Field(default_factory=list)
    effective: list[EffectiveRow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rising(self) -> ThresholdTable:
        keyed = [(window_key(r.window_h), r.colour, r.mm) for r in self.rows]
        keyed += [(EFFECTIVE, r.colour, r.mm) for r in self.effective]
        seen: dict[tuple[str, Colour], float] = {}
        for measure, colour, mm in keyed:
            if (measure, colour) in seen:
                raise ValueError(f"{measure} {colour.label}阈值重复 (duplicate row)")
            seen[(measure, colour)] = mm
        for measure in {m for m, _ in seen}:
            values = [seen[(measure, c)] for c in COLOURS if (measure, c) in seen]
            if any(b <= a for a, b in zip(values, values[1:], strict=False)):
                raise ValueError(f"{measure}阈值须随颜色升高而增大 (thresholds must rise blue<yellow<orange<red)")
        return self

    def merged(self, override: ThresholdTable) -> ThresholdTable:
        """This table with the override's rows replacing rows of the same window and colour."""
        rows = {(r.window_h, r.colour): r for r in self.rows} | {(r.window_h, r.colour): r for r in override.rows}
        eff = {r.colour: r for r in self.effective} | {r.colour: r for r in override.effective}
        return ThresholdTable(
            rows=sorted(rows.values(), key=lambda r: (r.window_h, r.colour.rank)),
            effective=sorted(eff.values(), key=lambda r: r.colour.rank),
        )

    def array(self, measures: Sequence[str]) -> F64:
        """(measures, 4 colours) in mm; +inf where a colour has no row (never reached)."""
        out = np.full((len(measures), len(COLOURS)), np.inf)
        index = {m: i for i, m in enumerate(measures)}
        for r in self.rows:
            out[index[window_key(r.window_h)], r.colour.rank - 1] = r.mm
        for e in self.effective:
            out[index[EFFECTIVE], e.colour.rank - 1] = e.mm
        return out


class ZoneOverride(ThresholdTable):
    """Rows for one zone (by code) replacing its level's rows of the same window and colour."""

    zone: str = Field(min_length=1, description="风险防范区编号")
    reason: str = Field(default="", description="调整理由")


class CurvePreset(BaseModel):
    """A published intensity–duration curve ``I = c + α·D^(−β)`` (mm/h, D in h) as a named preset.

    The literature curves are global or regional minimum triggering thresholds; they are *not* calibrated
    for Zhejiang and serve only as sanity checks and for hindcast comparisons.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    source: str
    alpha: float = Field(gt=0)
    beta: float = Field(gt=0)
    c: float = Field(default=0.0, ge=0)
    min_h: float = Field(gt=0)
    max_h: float = Field(gt=0)
    colour: Colour = Colour.yellow
    calibrated_for_zhejiang: Literal[False] = False
    note: str = "未针对浙江率定 (not calibrated for Zhejiang)"

    def mm(self, hours: float) -> float:
        """Event rainfall (mm) on the curve for a duration: ``(c + α·D^(−β))·D``."""
        return float((self.c + self.alpha * hours ** (-self.beta)) * hours)

    def table(self, windows_h: Sequence[int]) -> ThresholdTable:
        rows = [
            ThresholdRow(window_h=h, colour=self.colour, mm=round(self.mm(h), 1))
            for h in windows_h
            if self.min_h <= h <= self.max_h
        ]
        return ThresholdTable(rows=rows)


class ThresholdConfig(BaseModel):
    """The ``warning.thresholds`` configuration document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    calibrated: bool = Field(default=False, description="是否已率定; the shipped defaults are not")
    note: str = ""
    windows_h: list[int] = Field(default_factory=lambda: [1, 3, 6, 12, 24], min_length=1)
    silent_minutes: int = Field(default=30, ge=1, le=24 * 60, description="雨量站静默判定(分钟)")
    effective_rule: EffectiveRule | None = None
    levels: dict[int, ThresholdTable]
    overrides: list[ZoneOverride] = Field(default_factory=list)
    presets: list[CurvePreset] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ThresholdConfig:
        if sorted(set(self.windows_h)) != self.windows_h or self.windows_h[0] < 1:
            raise ValueError("windows_h须为递增的正整数小时 (ascending positive hours)")
        if sorted(self.levels) != list(MANAGEMENT_LEVELS):
            raise ValueError("须给出一、二、三级管理的阈值表 (levels 1, 2 and 3 are required)")
        zones = [o.zone for o in self.overrides]
        if len(set(zones)) != len(zones):
            raise ValueError("同一风险防范区有多条调整 (one override per zone)")
        tables: list[ThresholdTable] = [*self.levels.values(), *self.overrides]
        for table in tables:
            for r in table.rows:
                if r.window_h not in self.windows_h:
                    raise ValueError(f"{r.window_h}h不在windows_h中 (window not configured)")
            if table.effective and self.effective_rule is None:
                raise ValueError("有效雨量阈值需要effective_rule (effective rows need effective_rule)")
        for level in MANAGEMENT_LEVELS:
            if not self.levels[level].rows and not self.levels[level].effective:
                raise ValueError(f"{level}级管理阈值表为空 (empty table)")
        names = [p.name for p in self.presets]
        if len(set(names)) != len(names):
            raise ValueError("预设名称重复 (duplicate preset name)")
        return self

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(window_key(h) for h in self.windows_h) + ((EFFECTIVE,) if self.effective_rule else ())

    def table_for(self, level: int, zone: str | None = None) -> ThresholdTable:
        """The level's table with the zone's override applied."""
        if level not in self.levels:
            raise ValueError(f"未知的管理等级 (unknown management level): {level}")
        base = self.levels[level]
        override = next((o for o in self.overrides if o.zone == zone), None) if zone else None
        return base if override is None else base.merged(override)

    def preset(self, name: str) -> CurvePreset:
        for p in self.presets:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class CompiledThresholds:
    """Threshold arrays for a list of zones: ``tables[table_index[z]]`` is zone ``z``'s (measures, colours)."""

    measures: tuple[str, ...]
    tables: F64
    table_index: npt.NDArray[np.intp]


def compile_thresholds(config: ThresholdConfig, zones: Sequence[tuple[str, int]]) -> CompiledThresholds:
    """``zones`` = (code, management level) pairs; levels share a table, each overridden zone gets its own."""
    measures = config.measures
    tables = [config.levels[level].array(measures) for level in MANAGEMENT_LEVELS]
    slot = {level: i for i, level in enumerate(MANAGEMENT_LEVELS)}
    overrides = {o.zone: o for o in config.overrides}
    index = np.empty(len(zones), dtype=np.intp)
    for z, (code, level) in enumerate(zones):
        if level not in slot:
            raise ValueError(f"未知的管理等级 (unknown management level) {level} for zone {code}")
        override = overrides.get(code)
        if override is None:
            index[z] = slot[level]
        else:
            index[z] = len(tables)
            try:
                merged = config.levels[level].merged(override)
            except ValidationError as exc:
                raise ValueError(
                    f"风险防范区{code}的阈值调整与{level}级管理阈值表冲突 (override conflicts): {exc}"
                ) from exc
            tables.append(merged.array(measures))
    return CompiledThresholds(measures, np.stack(tables), index)


@dataclass(frozen=True)
class GaugeMatrix:
    """Per gauge: its value of every measure, and whether it is live (reported within the silence limit)."""

    values: F64
    live: Bool


def gauge_matrix(
    gauges: Sequence[RollingRain | None],
    measures: Sequence[str],
    now: datetime,
    silent_minutes: int,
    rule: EffectiveRule | None = None,
) -> GaugeMatrix:
    """Advance each accumulator to ``now`` and read its measures; a gauge without data is not live."""
    if EFFECTIVE in measures and rule is None:
        raise ValueError("effective measure without a rule")
    values = np.zeros((len(gauges), len(measures)))
    live = np.zeros(len(gauges), dtype=np.bool_)
    now_us = stamp(now)
    limit_us = silent_minutes * 60_000_000
    columns: list[int] | None = None  # per window measure: its span's position (every gauge of a book shares them)
    for g, gauge in enumerate(gauges):
        if gauge is None or gauge.last_reading is None:
            continue
        latest, sums = gauge.read(now_us)
        assert latest is not None
        live[g] = now_us - latest <= limit_us
        if columns is None:
            spans = gauge.spans_h
            columns = [-1 if m == EFFECTIVE else spans.index(int(m.removesuffix("h"))) for m in measures]
        row = values[g]
        for m, column in enumerate(columns):
            if column >= 0:
                row[m] = sums[column] / UNITS_PER_MM
            else:
                assert rule is not None
                row[m] = gauge.effective(rule.k, rule.days)
    return GaugeMatrix(values, live)


@dataclass(frozen=True)
class Assignments:
    """Each zone's gauges by slot: gauge index (-1 = empty slot) and rank (1 = nearest)."""

    gauge: I32
    rank: I32

    @classmethod
    def pack(cls, zones: Sequence[Sequence[tuple[int, int]]]) -> Assignments:
        """From per-zone lists of (gauge index, rank)."""
        width = max((len(z) for z in zones), default=0) or 1
        gauge = np.full((len(zones), width), -1, dtype=np.int32)
        rank = np.full((len(zones), width), _NONE, dtype=np.int32)
        for z, pairs in enumerate(zones):
            for k, (g, r) in enumerate(pairs):
                gauge[z, k] = g
                rank[z, k] = r
        return cls(gauge, rank)


@dataclass(frozen=True)
class Trigger:
    """One zone's outcome: the colour and what triggered it (all None when no colour is reached)."""

    colour: Colour | None
    measure: str | None
    value_mm: float | None
    threshold_mm: float | None
    gauge: str | None
    fallback: bool
    """A lower-ranked gauge stood in because every nearer one was silent."""
    no_data: bool
    """No assigned gauge is live: the colour is unknown (not "no warning")."""
    values: dict[str, float] | None = None
    """The zone's value of every measure (the wettest gauge of the rank in use); None without data."""


@dataclass(frozen=True)
class Evaluation:
    """Arrays over zones. ``colour`` is the rank (0 none, 1 blue … 4 red); ``measure`` and ``gauge`` are
    indices (-1 none); ``value``/``threshold`` are NaN where no colour is reached."""

    measures: tuple[str, ...]
    colour: npt.NDArray[np.int8]
    measure: I32
    value: F64
    threshold: F64
    gauge: I32
    fallback: Bool
    no_data: Bool
    values: F64
    """(zones, measures): each zone's value of every measure; -inf where there is no data."""

    def __len__(self) -> int:
        return len(self.colour)

    def trigger(self, z: int, gauge_codes: Sequence[str]) -> Trigger:
        rank = int(self.colour[z])
        m = int(self.measure[z])
        g = int(self.gauge[z])
        return Trigger(
            colour=Colour.from_rank(rank),
            measure=self.measures[m] if rank else None,
            value_mm=float(self.value[z]) if rank else None,
            threshold_mm=float(self.threshold[z]) if rank else None,
            gauge=gauge_codes[g] if rank and g >= 0 else None,
            fallback=bool(self.fallback[z]),
            no_data=bool(self.no_data[z]),
            values=None
            if self.no_data[z]
            else {m: float(v) for m, v in zip(self.measures, self.values[z], strict=True)},
        )


def evaluate(gauges: GaugeMatrix, assignments: Assignments, thresholds: CompiledThresholds) -> Evaluation:
    """The colour of every zone, vectorised over zones, gauge slots, measures and colours."""
    slot_gauge = assignments.gauge
    n_zones, width = slot_gauge.shape
    valid = slot_gauge >= 0
    g = np.where(valid, slot_gauge, 0)
    live = valid & gauges.live[g]
    live_rank = np.where(live, assignments.rank, _NONE)
    best_rank = live_rank.min(axis=1)
    first_rank = np.where(valid, assignments.rank, _NONE).min(axis=1)
    selected = live & (assignments.rank == best_rank[:, None])
    no_data = best_rank == _NONE

    values = np.where(selected[:, :, None], gauges.values[g], -np.inf)  # (Z, K, M)
    slot = values.argmax(axis=1) if width > 1 else np.zeros((n_zones, values.shape[2]), dtype=np.intp)
    zone_values = np.take_along_axis(values, slot[:, None, :], axis=1)[:, 0, :]  # (Z, M)

    thr = thresholds.tables[thresholds.table_index]  # (Z, M, C)
    ranks = np.arange(1, thr.shape[2] + 1, dtype=np.int8)
    level = ((zone_values[:, :, None] >= thr) * ranks).max(axis=2)  # (Z, M): highest colour reached
    at_level = np.take_along_axis(thr, np.maximum(level.astype(np.intp) - 1, 0)[:, :, None], axis=2)[:, :, 0]
    reached = level > 0
    ratio = np.divide(zone_values, at_level, out=np.zeros_like(zone_values), where=reached)
    key = np.where(reached, level + ratio / (ratio + 1.0), 0.0)  # colour first, then the largest exceedance
    measure = key.argmax(axis=1)
    rows = np.arange(n_zones)
    colour = level[rows, measure].astype(np.int8)
    hit = colour > 0
    trig_slot = slot[rows, measure]
    return Evaluation(
        measures=thresholds.measures,
        colour=colour,
        measure=np.where(hit, measure, -1).astype(np.int32),
        value=np.where(hit, zone_values[rows, measure], np.nan),
        threshold=np.where(hit, at_level[rows, measure], np.nan),
        gauge=np.where(hit, slot_gauge[rows, trig_slot], -1).astype(np.int32),
        fallback=~no_data & (best_rank > first_rank),
        no_data=no_data,
        values=zone_values,
    )
