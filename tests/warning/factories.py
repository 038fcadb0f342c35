"""Factory functions of the warning domain: build, add, flush, return."""

from __future__ import annotations

import itertools
import json
import math
from datetime import datetime

from sqlalchemy.orm import Session

from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.warning.models import RiskZone, ZoneGauge

_codes = itertools.count(1)


def square(lon: float, lat: float, half_m: float = 50.0) -> dict[str, object]:
    """A GeoJSON square of side 2·half_m metres centred on (lon, lat)."""
    dlat = half_m / 111_195.0
    dlon = dlat / math.cos(math.radians(lat))
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def create_zone(
    session: Session,
    *,
    code: str | None = None,
    level: int = 3,
    lon: float = 119.95,
    lat: float = 30.05,
    point: bool = False,
    gauges: tuple[tuple[str, float, int], ...] = (),
    active: bool = True,
) -> RiskZone:
    number = next(_codes)
    zone = RiskZone(
        code=code or f"FX330111001001{number:04d}",
        name=f"测试防范区{number}",
        geometry=json.dumps({"type": "Point", "coordinates": [lon, lat]} if point else square(lon, lat)),
        lon=lon,
        lat=lat,
        township_code="330111001",
        village_code="330111001001",
        path="330111/330111001/330111001001/",
        importance="general",
        management_level=level,
        households=3,
        people=8,
        active=active,
        synthetic=True,
    )
    session.add(zone)
    session.flush()
    for station, distance, rank in gauges:
        session.add(ZoneGauge(zone_id=zone.id, station_code=station, distance_m=distance, rank=rank))
    session.flush()
    return zone


def create_gauge(session: Session, code: str, lon: float, lat: float) -> Station:
    station = Station(
        code=code, kind="rain_gauge", name=f"雨量站{code}", lon=lon, lat=lat, path="330111/", interval_seconds=300
    )
    session.add(station)
    session.flush()
    return station


def add_rainfall(session: Session, station: Station, readings: list[tuple[datetime, float]]) -> None:
    stream = Datastream(station_id=station.id, property="rainfall", unit="mm")
    session.add(stream)
    session.flush()
    for t, mm in readings:
        session.add(Observation(datastream_id=stream.id, phenomenon_time=t, value=mm, received_at=t, repeats=0))
    session.flush()
