"""A small hand-built water registry with meters and readings whose three rates are counted by hand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from gridgov.evaluation.periods import Period
from gridgov.registry.credit_code import generate
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.water.models import IntakePoint, IntakeUser
from tests.factories import COUNTY, FUCHUN, WANSHI

PERIOD = Period.parse("2026-11")  # 30 days: 720 hourly slots per meter
HOURS = 720


def add_user(
    session: Session, serial: int, path: str, *, missing: int = 0, late: int = 0, backwards: int = 0
) -> IntakeUser:
    """A user with one meter reporting hourly over ``PERIOD``: the first ``missing`` hours absent, the next
    ``late`` hours two hours late, the next ``backwards`` hours' counter lower than the hour before."""
    parts = path.strip("/").split("/")
    user = IntakeUser(
        name=f"取水户{serial}",
        credit_code=generate("330111", serial),
        township_code=parts[1],
        village_code=parts[2] if len(parts) > 2 else None,
        path=path,
        industry_code="C1751",
        annual_volume_m3=100000,
    )
    session.add(user)
    session.flush()
    station = Station(code=f"WM-T{serial}", kind="water_meter", name=f"表{serial}", lon=120.0, lat=30.0, path=path)
    session.add(station)
    session.flush()
    session.add(
        IntakePoint(user_id=user.id, name="1号", lon=120.0, lat=30.0, source="surface", station_code=station.code)
    )
    stream = Datastream(station_id=station.id, property="volume", unit="m³")
    session.add(stream)
    session.flush()
    start, _end = PERIOD.bounds()
    rows = []
    for hour in range(missing, HOURS):
        time = start + timedelta(hours=hour)
        delay = timedelta(hours=2) if hour < missing + late else timedelta(minutes=2)
        value = 1000.0 + 10 * hour - (500 if missing + late <= hour < missing + late + backwards else 0)
        rows.append({"datastream_id": stream.id, "phenomenon_time": time, "received_at": time + delay, "value": value})
    session.execute(Observation.__table__.insert(), rows)
    return user


FUCHUN_A = f"{COUNTY}/{FUCHUN}/{FUCHUN}001/"
FUCHUN_B = f"{COUNTY}/{FUCHUN}/{FUCHUN}002/"
WANSHI_A = f"{COUNTY}/{WANSHI}/{WANSHI}001/"
