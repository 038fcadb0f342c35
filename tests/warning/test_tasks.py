"""The evaluation loop end to end: readings in the table → a zone turns red → its people are reached
and a patrol case opens; a late reading is counted; quiet hours bring the all clear."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridgov.case.models import Case
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app
from gridgov.migrate import upgrade
from gridgov.notify.models import Alert, AlertRecipient
from gridgov.org.enums import Role
from gridgov.sensing.models import Datastream, Observation
from gridgov.warning.models import WarningRecord, ZonePerson
from gridgov.warning.tasks import WarningEvaluator
from tests.conftest import fresh_engine
from tests.factories import COUNTY, FUCHUN, build_county, create_person, user
from tests.warning.factories import add_rainfall, create_gauge, create_zone

T0 = datetime(2026, 7, 20, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_rain_turns_a_zone_red_reaches_people_and_clears(
    db: Database, session: Session, settings: Settings, request: pytest.FixtureRequest
) -> None:
    county = build_county(session)
    grid_member = create_person(session, county, [(Role.grid_member, f"{FUCHUN}001001")], name="网格员")
    zone = create_zone(session, level=3, lon=119.92, lat=30.02, gauges=(("YL0001", 80.0, 1),))
    session.add(ZonePerson(zone_id=zone.id, person_id=grid_member.id, level="grid"))
    gauge = create_gauge(session, "YL0001", 119.921, 30.021)
    add_rainfall(session, gauge, [(T0 - timedelta(minutes=5 * i), 0.0) for i in range(3)])
    session.commit()

    clock = Clock()
    evaluator = WarningEvaluator(db, settings, clock)
    request.addfinalizer(evaluator.close)  # the PostgreSQL leader lock goes with its connection
    assert evaluator.step() == []  # builds the totals; dry

    stream = session.scalars(select(Datastream).where(Datastream.station_id == gauge.id)).one()
    clock.now = T0 + timedelta(hours=1)
    for i in range(12):  # 12 × 5 mm = 60 mm in the hour: above the 1 h red of a level-3 zone (50 mm)
        t = T0 + timedelta(minutes=5 * (i + 1))
        reading = Observation(datastream_id=stream.id, phenomenon_time=t, value=5.0, received_at=clock.now, repeats=0)
        session.add(reading)
    session.commit()
    changes = evaluator.step()
    assert [(c.change.value, c.colour.value) for c in changes] == [("issued", "red")]
    alert = session.scalars(select(Alert)).one()
    assert alert.level == "red" and session.scalars(select(AlertRecipient.name)).all() == ["网格员"]
    patrol = select(Case.category_code).where(Case.source == f"warning:{changes[0].warning_id}")
    assert session.scalars(patrol).one() == "0801"
    assert evaluator.step() == [], "nothing new, nothing evaluated"

    for i in range(1, 80):  # the gauge keeps reporting: dry (a silent gauge is "no data", not all clear)
        t = T0 + timedelta(hours=1, minutes=5 * i)
        session.add(Observation(datastream_id=stream.id, phenomenon_time=t, value=0.0, received_at=t, repeats=0))
    session.commit()
    for at in (timedelta(hours=5), timedelta(hours=7, minutes=1)):  # two quiet hours, then the all clear
        clock.now = T0 + at
        evaluator.step(whole=True)
    record = session.scalars(select(WarningRecord)).one()
    session.refresh(record)
    assert record.state == "cancelled"
    session.refresh(alert)
    assert alert.closed_at is not None


def test_a_reading_stored_over_http_wakes_the_evaluator_at_once(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    """The evaluator's round is 30 s here: only the observation writer's wake explains a warning within
    a few seconds of the reading. (Its own database: the app's threads and this test read concurrently.)"""
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        db = Database(engine, sessionmaker(engine, expire_on_commit=False))
        with db.sessions() as session:
            county = build_county(session)
            gateway = user(session, county, "gateway", Role.api_client, COUNTY)
            create_zone(session, level=3, lon=119.92, lat=30.02, gauges=(("YL0009", 80.0, 1),))
            gauge = create_gauge(session, "YL0009", 119.921, 30.021)
            add_rainfall(session, gauge, [(T0 - timedelta(minutes=5), 0.0)])
            session.commit()
        app = create_app(settings.model_copy(update={"warning_seconds": 30.0}), db)
        now = T0 + timedelta(hours=1)
        app.state.clock = lambda: now
        readings = [
            {"station": "YL0009", "property": "rainfall", "time": (T0 + timedelta(minutes=5 * (i + 1))).isoformat(),
             "value": 5.0, "unit": "mm"}
            for i in range(12)
        ]  # fmt: skip
        found = None
        with TestClient(app) as client:
            posted = time.monotonic()
            response = client.post("/api/v1/sensing/observations", json={"observations": readings}, headers=gateway)
            assert response.status_code == 202, response.text
            while found is None and time.monotonic() - posted < 10:
                time.sleep(0.05)
                with db.sessions() as session:
                    found = session.scalars(select(WarningRecord.colour)).one_or_none()
            waited = time.monotonic() - posted
        assert found == "red"
        assert waited < 5, f"warning after {waited:.1f} s: the evaluator was not woken"


def test_every_zone_is_evaluated_each_minute_a_slice_at_a_time(
    db: Database, session: Session, settings: Settings, request: pytest.FixtureRequest
) -> None:
    """Time alone changes zones (quiet hours, expiry), so each zone is assessed once per ``full_every``;
    spread over the steps, no step carries the whole round (readings would wait behind it)."""
    build_county(session)
    for i in range(30):
        create_zone(session, lon=119.90 + i * 0.001, lat=30.02, gauges=((f"YL{i:04d}", 50.0, 1),))
    session.commit()
    clock = Clock()
    evaluator = WarningEvaluator(db, settings, clock)
    request.addfinalizer(evaluator.close)
    evaluator.step()
    assert evaluator.assessed == 30, "a new leader assesses every zone"
    seen: list[int] = []
    for _ in range(30):  # a step every 2 s: 1/30 of the minute each
        clock.now += timedelta(seconds=2)
        evaluator.step()
        seen.append(evaluator.assessed)
    assert max(seen) == 1 and sum(seen) == 30, seen
    clock.now += timedelta(minutes=2)  # a step after a long pause takes the whole round at once
    evaluator.step()
    assert evaluator.assessed == 30
