"""A silent station opens one maintenance case per outage, closed by the case service when data returns."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from gridgov.case.models import Case, CaseEvent
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.time import utcnow
from gridgov.main import create_app
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from gridgov.sensing.models import Observation, Station
from gridgov.sensing.schemas import StationCreate
from gridgov.sensing.service import SensingService
from tests.conftest import fresh_engine
from tests.factories import COUNTY, user
from tests.sensing.world import FUCHUN_GAUGE, WANSHI_GAUGE, build_gauges

URL = "/api/v1/sensing/observations"


def _cases(session: Session) -> list[tuple[str, str, str]]:
    session.expire_all()
    stmt = select(Case.category_code, Case.state, Case.description).order_by(Case.id)
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def _station(session: Session, code: str) -> Station:
    session.expire_all()
    return session.scalars(select(Station).where(Station.code == code)).one()


def test_a_silent_station_opens_one_case_and_its_return_closes_it(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    t0 = utcnow().replace(microsecond=0)
    app.state.clock = lambda: t0
    gauges = build_gauges(session, interval=300)
    gateway = user(session, gauges.county, "gateway", Role.api_client, COUNTY)
    session.commit()
    reading = {"station": FUCHUN_GAUGE, "property": "rainfall", "time": t0.isoformat(), "value": 0.0}
    assert client.post(URL, json={"observations": [reading]}, headers=gateway).status_code == 202
    sensing = app.state.sensing

    app.state.clock = lambda: t0 + timedelta(minutes=14)  # within 3 × 5 minutes
    assert sensing.check_offline().opened == 0
    app.state.clock = lambda: t0 + timedelta(minutes=16)
    result = sensing.check_offline()
    assert (result.opened, result.closed, result.failed) == (2, 0, 0)
    cases = _cases(session)
    assert [(c[0], c[1]) for c in cases] == [("1001", "reported"), ("1001", "reported")]
    assert any(FUCHUN_GAUGE in c[2] and "未上报" in c[2] for c in cases)
    app.state.clock = lambda: t0 + timedelta(hours=5)
    assert sensing.check_offline().opened == 0  # once per outage, however often the check runs

    back = t0 + timedelta(hours=5, minutes=1)
    app.state.clock = lambda: back
    late = {**reading, "time": back.isoformat(), "value": 1.5}
    assert client.post(URL, json={"observations": [late]}, headers=gateway).json()["accepted"] == 1
    result = sensing.check_offline()
    assert (result.opened, result.closed) == (0, 1)
    assert sorted(c[1] for c in _cases(session)) == ["closed", "reported"]
    assert _station(session, FUCHUN_GAUGE).offline_case_id is None
    assert _station(session, WANSHI_GAUGE).offline_case_id is not None
    closing = session.scalars(select(CaseEvent).where(CaseEvent.action == "close")).one()
    assert "恢复上报" in closing.comment and closing.actor_name.startswith("传感监测")

    app.state.clock = lambda: back + timedelta(minutes=16)  # silent again: a new outage, a new case
    assert sensing.check_offline().opened == 1
    assert len(_cases(session)) == 3


def test_the_app_consumes_mqtt_from_its_embedded_broker(backend: str, tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        database_url="sqlite://",
        data_dir=tmp_path,
        sweep_seconds=0,
        notify_seconds=0,
        mqtt_ingest=True,
        mqtt_embedded_bind="127.0.0.1:0",
    )
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        database = Database(engine, sessionmaker(engine, expire_on_commit=False))
        with database.session() as session:
            gateway = user(session, build_gauges(session).county, "gateway", Role.api_client, COUNTY)
        app = create_app(settings, database)
        with TestClient(app):
            sensing = app.state.sensing
            assert sensing.broker is not None and sensing.consumer.subscribed.wait(10)
            publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-gateway")
            publisher.username_pw_set("gateway", gateway["Authorization"].removeprefix("Bearer "))
            publisher.connect("127.0.0.1", sensing.broker.port)
            publisher.loop_start()
            topic = f"gridgov/330111/stations/{FUCHUN_GAUGE}/rainfall"
            now = utcnow().replace(microsecond=0)
            batch = [{"time": (now - timedelta(minutes=i)).isoformat(), "value": 0.5} for i in range(5)]
            publisher.publish(topic, json.dumps(batch), qos=1).wait_for_publish(5)
            publisher.publish(topic, b"not json", qos=1).wait_for_publish(5)
            deadline = time.monotonic() + 10
            stored = 0
            while time.monotonic() < deadline and (stored < 5 or sensing.consumer.acked < 2):
                with database.sessions() as session:
                    stored = session.scalar(select(func.count()).select_from(Observation)) or 0
                time.sleep(0.05)
            publisher.loop_stop()
            publisher.disconnect()
        assert stored == 5
        assert sensing.consumer.acked == 2  # the good message and the dead-lettered one


def test_stations_falling_silent_together_share_one_case_and_simulated_ones_none(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    """Five 富春 gauges behind one gateway go quiet: one case lists them, closed when the last one is back;
    the lone 万市 gauge has its own case; a simulated gauge (the demo's) opens none."""
    t0 = utcnow().replace(microsecond=0)
    app.state.clock = lambda: t0
    gauges = build_gauges(session, interval=300)
    for n in range(2, 6):
        SensingService(session).create_station(
            gauges.admin,
            StationCreate(code=f"RG-FC-00{n}", kind="rain_gauge", name=f"富春{n}号雨量站", lon=119.95, lat=30.03),
        )
    SensingService(session).create_station(
        gauges.admin, StationCreate(code="RG-SIM-1", kind="rain_gauge", name="演示雨量站", lon=119.96, lat=30.02)
    )
    session.execute(update(Station).values(created_at=t0, last_seen_at=t0))
    session.execute(update(Station).where(Station.code == "RG-SIM-1").values(simulated=True))
    session.commit()
    sensing = app.state.sensing

    app.state.clock = lambda: t0 + timedelta(minutes=16)
    result = sensing.check_offline()
    assert (result.opened, result.closed, result.failed) == (2, 0, 0)
    (grouped,) = [c for c in _cases(session) if "5 个监测站点" in c[2]]
    assert all(f"RG-FC-00{n}" in grouped[2] for n in range(1, 6))
    assert _station(session, "RG-SIM-1").offline_case_id is None
    shared = {_station(session, f"RG-FC-00{n}").offline_case_id for n in range(1, 6)}
    assert len(shared) == 1 and None not in shared

    for n in range(1, 6):  # the gateway comes back station by station (as the readings' arrival marks them)
        back = t0 + timedelta(minutes=20 + n)
        session.execute(update(Station).where(Station.code == f"RG-FC-00{n}").values(last_seen_at=back))
        session.commit()
        app.state.clock = lambda back=back: back  # type: ignore[misc]
        result = sensing.check_offline()
        assert result.closed == (1 if n == 5 else 0), n  # the outage ends with its last station
    states = sorted(c[1] for c in _cases(session))
    assert states == ["closed", "reported"]
