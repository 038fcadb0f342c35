"""How an app process sets up MQTT ingest: never the embedded broker in production, never a stranger's broker
on the embedded broker's port, one client id per process, and several processes sharing one stream store
every reading once."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from gridgov.sensing.models import Observation
from gridgov.sensing.runtime import BrokerRefused, SensingRuntime
from tests.conftest import fresh_engine
from tests.factories import FUCHUN, create_account, create_person
from tests.live import _free_port
from tests.sensing.test_mqtt import mosquitto_running
from tests.sensing.world import FUCHUN_GAUGE, build_gauges

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _settings(tmp_path: Path, **values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "test",
        "data_dir": tmp_path / "var",
        "secret_key": "runtime-test-secret",
        "mqtt_client_id": f"gridgov-rt-{uuid.uuid4().hex[:6]}",
    }
    return Settings(**{**base, **values})  # type: ignore[arg-type]


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[Database]:
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        yield Database(engine, sessionmaker(engine, expire_on_commit=False))


def _stop(*runtimes: SensingRuntime) -> None:
    for runtime in runtimes:
        if runtime.consumer is not None:
            runtime.consumer.stop()
        runtime.writer.stop()
        if runtime.broker is not None:
            runtime.broker.stop()
        for taken in runtime._claims:
            taken.release()


def test_the_embedded_broker_is_refused_in_production(tmp_path: Path) -> None:
    settings = _settings(tmp_path, environment="production", secret_key="x" * 40, mqtt_embedded_bind="127.0.0.1:0")
    runtime = SensingRuntime(settings, Database.from_url(f"sqlite:///{tmp_path / 'p.db'}"), lambda: NOW)
    with pytest.raises(BrokerRefused, match="GRIDGOV_MQTT_URL"):
        runtime.start_mqtt()
    assert runtime.broker is None and runtime.consumer is None


def test_a_port_held_by_another_program_is_refused_not_consumed_from(tmp_path: Path) -> None:
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        runtime = SensingRuntime(
            _settings(tmp_path, mqtt_embedded_bind=f"127.0.0.1:{port}"),
            Database.from_url(f"sqlite:///{tmp_path / 'p.db'}"),
            lambda: NOW,
        )
        with pytest.raises(BrokerRefused, match=f"127.0.0.1:{port}.*GRIDGOV_MQTT_EMBEDDED_BIND"):
            runtime.start_mqtt()
        assert runtime.consumer is None
    _stop(runtime)


def _gateway_token(database: Database, settings: Settings) -> str:
    with database.session() as session:
        gauges = build_gauges(session)
        person = create_person(session, gauges.county, [(Role.api_client, FUCHUN)], name="网关")
        account = create_account(session, person, "worker-gw")
        return AuthService(session, settings).create_token(account.id, TokenCreate(name="w")).token


@pytest.mark.parametrize("broker_kind", ["embedded", "mosquitto"])
def test_two_workers_share_one_stream_each_under_its_own_client_id(
    broker_kind: str, database: Database, tmp_path: Path
) -> None:
    """Two app processes (two runtimes sharing data_dir): the second finds the first's embedded broker
    instead of refusing, the two consumers take distinct client ids in one shared group, and every
    reading of the stream is stored exactly once, some by each."""
    tag = uuid.uuid4().hex[:8]
    if broker_kind == "mosquitto":
        if not mosquitto_running():
            print("Mosquitto not reachable on 127.0.0.1:1883: two workers tested on the embedded broker only")  # noqa: T201
            pytest.skip("Mosquitto not reachable on 127.0.0.1:1883")
        settings = _settings(tmp_path, mqtt_url="mqtt://127.0.0.1:1883", mqtt_topic_prefix=f"gridgov-rt-{tag}")
        port, login = 1883, None
    else:
        port = _free_port()
        settings = _settings(tmp_path, mqtt_embedded_bind=f"127.0.0.1:{port}")
    token = _gateway_token(database, settings)
    if broker_kind == "embedded":
        login = ("worker-gw", token)
    workers = [SensingRuntime(settings, database, lambda: NOW) for _ in range(2)]
    try:
        for worker in workers:
            worker.start_mqtt()
            assert worker.consumer is not None and worker.consumer.subscribed.wait(10)
        first, second = (w.consumer for w in workers)
        assert first is not None and second is not None
        assert (first.client_id, second.client_id) == (settings.mqtt_client_id, f"{settings.mqtt_client_id}-1")
        if broker_kind == "embedded":
            assert workers[0].broker is not None and workers[1].broker is None  # one broker, found by the other
        total = 300
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw-{tag}")
        if login:
            publisher.username_pw_set(*login)
        publisher.connect("127.0.0.1", port)
        publisher.loop_start()
        topic = f"{settings.mqtt_topic_prefix}/330111/stations/{FUCHUN_GAUGE}/rainfall"
        start = NOW - timedelta(days=3)
        infos = [
            publisher.publish(
                topic, json.dumps({"time": (start + timedelta(minutes=i)).isoformat(), "value": 1}), qos=1
            )
            for i in range(total)
        ]
        deadline = time.monotonic() + 60
        while not all(info.is_published() for info in infos) or _rows(database)[0] < total:
            assert time.monotonic() < deadline, f"stored {_rows(database)} of {total}"
            time.sleep(0.05)
        publisher.loop_stop()
        publisher.disconnect()
        time.sleep(0.3)
        assert _rows(database) == (total, total)
        assert first.received > 0 and second.received > 0, (first.received, second.received)
        assert first.received + second.received == total  # each reading to one worker
    finally:
        ids = [w.consumer.client_id for w in workers if w.consumer is not None]
        _stop(*workers)
        if broker_kind == "mosquitto":
            for client_id in ids:  # forget the persistent sessions on Mosquitto
                cleanup = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
                cleanup.connect("127.0.0.1", 1883)
                cleanup.disconnect()


def _rows(database: Database) -> tuple[int, int]:
    with database.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(Observation)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Observation.phenomenon_time)))) or 0
    return rows, distinct


def test_a_restarted_process_takes_a_free_client_id_and_the_broker_again(tmp_path: Path) -> None:
    port = _free_port()
    settings = _settings(tmp_path, mqtt_embedded_bind=f"127.0.0.1:{port}", mqtt_embedded_auth=False)
    database = Database.from_url(f"sqlite:///{tmp_path / 'p.db'}")
    a, b = (SensingRuntime(settings, database, lambda: NOW) for _ in range(2))
    a.start_mqtt()
    b.start_mqtt()
    assert a.broker is not None and b.broker is None
    assert b.consumer is not None and b.consumer.subscribed.wait(10)
    _stop(a)  # the broker's process goes; its claims with it
    c = SensingRuntime(settings, database, lambda: NOW)
    try:
        c.start_mqtt()
        assert c.broker is not None and c.consumer is not None
        assert c.consumer.client_id == settings.mqtt_client_id  # the id the first process had
        connected = threading.Event()
        b.consumer.client.on_connect = lambda *_args: connected.set()
        assert connected.wait(15), "the surviving worker did not reconnect to the new broker"
    finally:
        _stop(b, c)
