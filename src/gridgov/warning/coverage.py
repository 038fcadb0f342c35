"""Gauge coverage of risk zones (pure, no I/O): each zone's nearest gauges and their distances, and the
zones with no gauge within 200 m (Fuyang's rule after the 495 new gauges) or within 2 km (the radius of
the first 245).

Distances are metres on one local equirectangular projection centred on the zones (error under 0.5 %
across a 60-km county, i.e. a few metres at the 200 m and 2 km that matter). A polygon zone's distance is
to the polygon (0 when the gauge is inside it); candidates are first picked by distance to the zone's
representative point, then measured exactly.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import shapely

EARTH_RADIUS_M = 6_371_008.8
NEAR_M = 200.0
FAR_M = 2_000.0


class Band(StrEnum):
    """How well a zone is covered: its nearest gauge within 200 m, within 2 km, or farther (or none)."""

    near = "near"
    far = "far"
    beyond = "beyond"


def band_of(distance_m: float, near_m: float = NEAR_M, far_m: float = FAR_M) -> Band:
    if distance_m <= near_m:
        return Band.near
    return Band.far if distance_m <= far_m else Band.beyond


@dataclass(frozen=True)
class Step:
    """One day on which gauges were commissioned: how many, and how many the network had after it."""

    day: date
    added: int
    gauges: int


def commissioning_steps(days: Iterable[date]) -> list[Step]:
    """The network's growth, oldest first: one step per commissioning day."""
    total = 0
    steps: list[Step] = []
    for day, added in sorted(Counter(days).items()):
        total += added
        steps.append(Step(day, added, total))
    return steps


@dataclass(frozen=True)
class Site:
    code: str
    lon: float
    lat: float
    geometry: dict[str, Any] | None = None
    """GeoJSON of a zone (Polygon/MultiPolygon/Point); None = the point (lon, lat)."""


@dataclass(frozen=True)
class Nearest:
    zone: str
    gauges: tuple[tuple[str, float], ...]
    """(station code, distance m), nearest first."""

    @property
    def distance_m(self) -> float:
        return self.gauges[0][1] if self.gauges else math.inf


@dataclass(frozen=True)
class CoverageReport:
    zones: int
    within_near: int
    within_far: int
    near_m: float
    far_m: float
    beyond_near: list[str] = field(default_factory=list)
    """Zones with no gauge within ``near_m`` (200 m)."""
    beyond_far: list[str] = field(default_factory=list)
    """Zones with no gauge within ``far_m`` (2 km)."""


class _Projection:
    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = EARTH_RADIUS_M * math.cos(math.radians(lat0)) * math.pi / 180
        self.ky = EARTH_RADIUS_M * math.pi / 180

    def xy(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky

    def geometries(self, geojsons: Sequence[dict[str, Any]]) -> Any:
        """An array of the projected shapes (one parse and one transform for them all)."""
        parsed = shapely.from_geojson([json.dumps(g) for g in geojsons])
        return shapely.transform(parsed, lambda c: np.column_stack(self.xy(c[:, 0], c[:, 1])))


def nearest_gauges(zones: Sequence[Site], gauges: Sequence[Site], k: int = 3, candidates: int = 16) -> list[Nearest]:
    """The ``k`` nearest gauges of every zone with their distances in metres."""
    if not zones:
        return []
    if not gauges:
        return [Nearest(z.code, ()) for z in zones]
    proj = _Projection(
        float(np.mean([z.lon for z in zones])),
        float(np.mean([z.lat for z in zones])),
    )
    gx, gy = proj.xy([g.lon for g in gauges], [g.lat for g in gauges])
    zx, zy = proj.xy([z.lon for z in zones], [z.lat for z in zones])
    pick = min(max(k, candidates), len(gauges))
    points = shapely.points(gx, gy)
    result: list[Nearest] = []
    for start in range(0, len(zones), 1024):  # bounded memory: 1,024 zones × all gauges at a time
        dx = zx[start : start + 1024, None] - gx[None, :]
        dy = zy[start : start + 1024, None] - gy[None, :]
        d2 = dx * dx + dy * dy
        idx = (
            np.argpartition(d2, pick - 1, axis=1)[:, :pick]
            if pick < len(gauges)
            else np.tile(np.arange(len(gauges)), (len(d2), 1))
        )
        chunk = zones[start : start + 1024]
        dist = np.sqrt(np.take_along_axis(d2, idx, axis=1))
        shaped = [(i, z.geometry) for i, z in enumerate(chunk) if z.geometry and z.geometry.get("type") != "Point"]
        if shaped:  # polygons: the distance to the polygon, 0 inside
            rows = [i for i, _ in shaped]
            polygons = proj.geometries([g for _, g in shaped])
            dist[rows] = shapely.distance(polygons[:, None], points[idx[rows]])
        for row, zone in enumerate(chunk):
            cand = idx[row]
            order = np.argsort(dist[row], kind="stable")[:k]
            result.append(Nearest(zone.code, tuple((gauges[int(cand[o])].code, float(dist[row, o])) for o in order)))
    return result


def coverage_report(nearest: Sequence[Nearest], near_m: float = NEAR_M, far_m: float = FAR_M) -> CoverageReport:
    beyond_near = [n.zone for n in nearest if n.distance_m > near_m]
    beyond_far = [n.zone for n in nearest if n.distance_m > far_m]
    return CoverageReport(
        zones=len(nearest),
        within_near=len(nearest) - len(beyond_near),
        within_far=len(nearest) - len(beyond_far),
        near_m=near_m,
        far_m=far_m,
        beyond_near=beyond_near,
        beyond_far=beyond_far,
    )
