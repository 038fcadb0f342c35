"""Rain-gauge coverage of the risk zones as the 地灾 officer reads it (雨量站覆盖): for the zones in one's
area, each zone's nearest gauges and their distances, the counts within 200 m and 2 km, as of a date (the
gauges commissioned on or before it), and the network's growth (the days gauges were commissioned).

A gauge's commissioning time is its station's ``created_at``, the day it joined the register (an
imported network carries its 建成日期 there; the demo's 245 and 495 gauges have theirs). Only active gauges
count, at any date. Distances are to every gauge, in one's area or not (a zone at a township border may be
covered from the next township); the gauge counts and the growth are of the gauges in one's area. Reads only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.time import as_utc, to_local
from gridgov.org.models import OrgNode
from gridgov.sensing.models import Station
from gridgov.warning.coverage import (
    Band,
    CoverageReport,
    Nearest,
    Site,
    Step,
    band_of,
    commissioning_steps,
    coverage_report,
    nearest_gauges,
)
from gridgov.warning.models import RiskZone
from gridgov.warning.repository import WarningRepository


@dataclass(frozen=True)
class ZoneCoverage:
    zone: RiskZone
    township_name: str
    nearest: Nearest

    @property
    def distance_m(self) -> float:
        """To the nearest gauge; infinite when there is no gauge at all."""
        return self.nearest.distance_m

    @property
    def band(self) -> Band:
        return band_of(self.distance_m)


@dataclass(frozen=True)
class CoverageView:
    as_of: date | None
    """None: the network as it is now."""
    rows: list[ZoneCoverage]
    """The zones in one's area, in zone order."""
    gauges: int
    """Gauges in one's area commissioned by ``as_of``."""
    shown: list[Station]
    """Gauges for the map: those counted, and the nearest gauge of every zone shown."""
    steps: list[Step]
    """The growth of the network in one's area, oldest first."""

    @property
    def report(self) -> CoverageReport:
        return coverage_report([r.nearest for r in self.rows])


class CoverageService:
    def __init__(self, session: Session, timezone: str = "Asia/Shanghai") -> None:
        self.session = session
        self.timezone = timezone

    def commissioned(self, station: Station) -> date:
        """The local day a gauge was commissioned."""
        return to_local(station.created_at, self.timezone).date()

    def view(
        self, covers: Callable[[str], bool], as_of: date | None = None, k: int = 3, code: str | None = None
    ) -> CoverageView:
        """The zones ``covers`` accepts (by org path), or only the zone ``code``, with their ``k`` nearest gauges
        as of the end of ``as_of``."""
        repo = WarningRepository(self.session)
        zones = [z for z in repo.zones() if covers(z.path) and code in (None, z.code)]
        stations = repo.rain_gauges()
        if as_of is not None:
            cutoff = datetime.combine(as_of + timedelta(days=1), time(), ZoneInfo(self.timezone))
            network = [s for s in stations if as_utc(s.created_at) < cutoff]
        else:
            network = stations
        nearest = nearest_gauges(
            [Site(z.code, z.lon, z.lat, _geometry(z)) for z in zones], [Site(s.code, s.lon, s.lat) for s in network], k
        )
        names = self._names(sorted({z.township_code for z in zones}))
        rows = [
            ZoneCoverage(z, names.get(z.township_code, z.township_code), n) for z, n in zip(zones, nearest, strict=True)
        ]
        closest = {n.gauges[0][0] for n in nearest if n.gauges}
        counted = [s for s in network if covers(s.path)]
        return CoverageView(
            as_of=as_of,
            rows=rows,
            gauges=len(counted),
            shown=[s for s in network if covers(s.path) or s.code in closest],
            steps=commissioning_steps(self.commissioned(s) for s in stations if covers(s.path)),
        )

    def _names(self, codes: list[str]) -> dict[str, str]:
        if not codes:
            return {}
        stmt = select(OrgNode.code, OrgNode.name).where(OrgNode.code.in_(codes))
        return {code: name for code, name in self.session.execute(stmt)}  # noqa: C416 (rows, not pairs, to mypy)


def metres(distance: float) -> float | None:
    """A distance for JSON and spreadsheets: rounded to 0.1 m, None for 'no gauge at all'."""
    return None if math.isinf(distance) else round(distance, 1)


def _geometry(zone: RiskZone) -> dict[str, Any] | None:
    try:
        value = json.loads(zone.geometry)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
