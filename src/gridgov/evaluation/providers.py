"""Indicators from any source: how a module puts its own figures into the evaluation.

A module measures something other than cases (叫应 answered in time, patrols done, meter data quality, carbon
intensity, inspection coverage). It registers an :class:`IndicatorProvider`: definitions (code, name, unit,
direction, what the numerator and the denominator count) and, per period and area level, the numerator and the
denominator of every area it has figures for, plus the records behind each part (the drill-down). The evaluation
ranks them within peer groups with the level's minimum sample, flags them, scores them in any scheme that names
them (``{kind: rate, rate: warning.ack_in_time_rate, weight: 10}``) and lists them in the reports, as it does the
case indicators. Providers only read; they are handed a session and the reader's scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period


@dataclass(frozen=True)
class IndicatorDef:
    key: str
    """``<module>.<name>``, e.g. ``warning.ack_in_time_rate``: how schemes and URLs name it."""
    label: str
    numerator_label: str
    denominator_label: str
    unit: str = "%"
    """``%`` for a share (shown ×100); anything else is shown as numerator ÷ denominator in that unit."""
    direction: Literal["higher", "lower"] = "higher"
    """Which way is better."""
    levels: tuple[Level, ...] = (Level.township, Level.village)
    label_en: str = ""


@dataclass(frozen=True)
class Part:
    """Numerator and denominator of one indicator for one area."""

    numerator: float
    denominator: float

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator > 0 else None


@dataclass(frozen=True)
class Record:
    """One record behind a figure, as the drill-down lists it."""

    label: str
    href: str | None = None


class IndicatorProvider(Protocol):
    @property
    def source(self) -> str:
        """The module's name."""
        ...

    @property
    def indicators(self) -> Sequence[IndicatorDef]: ...

    def figures(
        self, session: Session, period: Period, level: Level, scope: Sequence[str] | None
    ) -> Mapping[str, Mapping[str, Part]]:
        """Indicator key → area code → its parts, over the areas of ``level`` within ``scope`` (None: all)."""
        ...

    def records(
        self,
        session: Session,
        period: Period,
        indicator: str,
        area_path: str,
        part: Literal["numerator", "denominator"],
        limit: int,
        offset: int,
    ) -> tuple[list[Record], int]:
        """The records counted in one part of one indicator under the area whose materialised path is
        ``area_path`` (a page of them and their total)."""
        ...


class Indicators:
    """The providers of one application (its installed, enabled modules)."""

    def __init__(self, providers: Sequence[IndicatorProvider] = ()) -> None:
        self.providers = tuple(providers)
        self._by_key = {d.key: (p, d) for p in self.providers for d in p.indicators}

    def definitions(self) -> list[IndicatorDef]:
        return [d for _p, d in self._by_key.values()]

    def get(self, key: str) -> tuple[IndicatorProvider, IndicatorDef] | None:
        return self._by_key.get(key)

    def figures(
        self, session: Session, period: Period, level: Level, scope: Sequence[str] | None
    ) -> dict[str, dict[str, Part]]:
        """Indicator key → area code → parts, from every provider that has figures at ``level``."""
        out: dict[str, dict[str, Part]] = {}
        for provider in self.providers:
            if not any(level in d.levels for d in provider.indicators):
                continue
            for key, areas in provider.figures(session, period, level, scope).items():
                out[key] = dict(areas)
        return out


NO_INDICATORS = Indicators()
DEPTH = {Level.county: 1, Level.township: 2, Level.village: 3}
"""How many segments of a materialised path (``330111/330111001/…``) name an area of the level."""


def area_of(path: str, level: Level) -> str | None:
    """The code of the area of ``level`` that a materialised path lies in (None: not that deep, or a level that is
    not an area of the tree): how providers sum their records per township or village."""
    parts = [p for p in path.split("/") if p]
    depth = DEPTH.get(level)
    return parts[depth - 1] if depth is not None and len(parts) >= depth else None


def display(definition: IndicatorDef, part: Part) -> str:
    value = part.value
    if value is None:
        return "—"
    return f"{value * 100:.2f}%" if definition.unit == "%" else f"{value:.4g} {definition.unit}"


def score_of(definition: IndicatorDef, part: Part) -> float | None:
    """A ranking score where higher is better: the share in points (0–100) for ``%``, else ±the value."""
    value = part.value
    if value is None:
        return None
    if definition.unit == "%":
        return (value if definition.direction == "higher" else 1 - value) * 100
    return value if definition.direction == "higher" else -value
