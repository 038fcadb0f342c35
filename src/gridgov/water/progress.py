"""Water use from a meter's cumulative readings, and the level of a user's use against its plan (pure).

Use over ``[start, end)`` is the counter's last valid value before ``end`` minus its last valid value before
``start`` (else its first valid value inside the period): the m³ that went through the meter in the period.
A reading is valid as the three rates count it (``rates.validity``: no counter going backwards, no jump above
the meter's range, no counter standing still too long), so a bad value neither inflates nor erases use. Uses of
consecutive periods add up to the use of their union when readings before the first one are known.

The level of a 用水进度提醒函 compares use with plan over the year to date (年初至当月): 超计划 (``over``) above
100 %, 预警 (``warning``) from the ``water.plans`` threshold (80 % shipped) up to 100 %, ``normal`` under it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from gridgov.water.rates import Reading, Rules, validity

M3 = Decimal("0.01")
"""Volumes are kept to the hundredth of a m³ (the meters' resolution)."""


class Level(StrEnum):
    normal = "normal"
    warning = "warning"
    """预警: use reached the warning share of the plan to date."""
    over = "over"
    """超计划: use is above the plan to date."""


def valid_readings(readings: Sequence[Reading], rules: Rules) -> list[Reading]:
    """The valid ones of ``readings`` (sorted by time), in time order."""
    ordered = sorted(readings, key=lambda r: r.time)
    return [r for r, ok in zip(ordered, validity(ordered, rules), strict=True) if ok]


def _last_before(valid: Sequence[Reading], moment: datetime) -> Reading | None:
    found = None
    for reading in valid:
        if reading.time >= moment:
            break
        found = reading
    return found


def use_between(valid: Sequence[Reading], start: datetime, end: datetime) -> Decimal:
    """m³ used over ``[start, end)`` by one meter with these valid readings (time order); 0 without a valid
    reading in the period."""
    inside = [r for r in valid if start <= r.time < end]
    if not inside:
        return Decimal(0)
    base = _last_before(valid, start) or inside[0]
    return volume(max(inside[-1].value - base.value, 0.0))


def volume(m3: float) -> Decimal:
    """A volume in m³ as kept: a Decimal rounded half-up to 0.01 m³."""
    return Decimal(repr(m3)).quantize(M3, rounding=ROUND_HALF_UP)


def ratio_of(used: Decimal, planned: Decimal) -> float | None:
    """Use as a share of plan (None without a plan to compare with)."""
    return float(used / planned) if planned > 0 else None


def level_of(used: Decimal, planned: Decimal, warn: Decimal) -> Level:
    """The letter's level: over above the plan, warning from ``warn`` × plan, else normal. A zero plan makes
    any use over."""
    if used > planned:
        return Level.over
    if planned > 0 and used >= warn * planned:
        return Level.warning
    return Level.normal
