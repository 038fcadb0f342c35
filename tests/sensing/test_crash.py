"""kill -9 of a real server process (uvicorn, the app as it runs) in the middle of a QoS 1 stream, several
times at random moments: not one reading a gateway was acknowledged (PUBACK) is lost, none is stored twice.

With the embedded broker a PUBACK means committed, so it is checked at every kill: each reading
acknowledged by then is already in the database. Through Mosquitto (when it runs on 127.0.0.1:1883) the
broker acknowledges on receipt and keeps the message for the consumer's persistent session; the consumer
acknowledges only after its commit, so the check is that everything acknowledged lands once the server is
back."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import sessionmaker

from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from gridgov.sensing.models import DeadLetter, Observation
from tests.conftest import fresh_engine
from tests.factories import FUCHUN, create_account, create_person
from tests.live import _free_port
from tests.sensing.test_mqtt import mosquitto_running
from tests.sensing.world import FUCHUN_GAUGE, build_gauges

ROUNDS = 3
RATES = {"embedded": 150, "mosquitto": 60}
"""Readings a second from the gateway (Mosquitto's default keeps 1,000 for an offline session: the server's
restarts must not outlast that)."""
START = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Gateway:
    """A paho publisher of one reading a message, QoS 1, clean session (paho re-sends what was not
    acknowledged when it reconnects); records which message ids got their PUBACK."""

    port: int
    topic: str
    login: tuple[str, str] | None
    rate: float
    mids: dict[int, int] = field(default_factory=dict)
    """message id → reading index"""
    acked_mids: set[int] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)
    sent: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw-crash-{uuid.uuid4().hex[:6]}")
        client.max_inflight_messages_set(20)
        client.reconnect_delay_set(min_delay=1, max_delay=2)
        if self.login:
            client.username_pw_set(*self.login)
        client.on_publish = self._on_publish
        client.connect_async("127.0.0.1", self.port)
        client.loop_start()
        self.client = client
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_publish(self, _client: Any, _userdata: Any, mid: int, _reason: Any, _props: Any) -> None:
        with self.lock:
            self.acked_mids.add(mid)

    def _run(self) -> None:
        while not self.stop.is_set():
            reading = {"time": (START + timedelta(minutes=self.sent)).isoformat(), "value": 0.5, "unit": "mm"}
            info = self.client.publish(self.topic, json.dumps(reading), qos=1)
            with self.lock:
                self.mids[info.mid] = self.sent
            self.sent += 1
            time.sleep(1 / self.rate)

    def acked(self) -> set[int]:
        with self.lock:
            return {self.mids[mid] for mid in self.acked_mids if mid in self.mids}

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.client.loop_stop()
        self.client.disconnect()


def _stored(engine: Engine) -> tuple[set[int], int]:
    """The reading indexes stored, and the number of rows."""
    with engine.connect() as connection:
        times = list(connection.execute(select(Observation.phenomenon_time)).scalars())
    indexes = {int((t.replace(tzinfo=UTC) - START).total_seconds() // 60) for t in times}
    return indexes, len(times)


def _url(backend: str, engine: Engine) -> str:
    url = engine.url.render_as_string(hide_password=False)
    if backend == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        url += f"{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    return url


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class Server:
    def __init__(self, env: dict[str, str], log: TextIO) -> None:
        self.env, self.log, self.port = env, log, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "gridgov.asgi:app", "--port", str(self.port), "--log-level", "warning"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while not _healthy(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start (exit {self.process.poll()})")
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture(params=["embedded", "mosquitto"])
def broker_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "mosquitto" and not mosquitto_running():
        print("Mosquitto not reachable on 127.0.0.1:1883: its crash test skipped")  # noqa: T201
        pytest.skip("Mosquitto not reachable on 127.0.0.1:1883")
    return str(request.param)


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(backend, tmp_path) as eng:
        upgrade(eng)
        yield eng


def _until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _flowing(gateway: Gateway) -> None:
    """Wait until the server acknowledges readings again."""
    target = len(gateway.acked()) + 20
    _until(lambda: len(gateway.acked()) >= target, 60, "the stream to flow")


def test_kill_9_mid_stream_loses_and_doubles_no_acknowledged_reading(
    backend: str, engine: Engine, broker_kind: str, tmp_path: Path
) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "var")
    with Database(engine, sessionmaker(engine, expire_on_commit=False)).session() as session:
        gauges = build_gauges(session)
        person = create_person(session, gauges.county, [(Role.api_client, FUCHUN)], name="网关")
        account = create_account(session, person, "crash-gw")
        token = AuthService(session, settings).create_token(account.id, TokenCreate(name="crash")).token
    tag = uuid.uuid4().hex[:8]
    prefix = f"gridgov-crash-{tag}" if broker_kind == "mosquitto" else "gridgov"
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": _url(backend, engine),
        "GRIDGOV_ENVIRONMENT": "test",
        "GRIDGOV_DATA_DIR": str(tmp_path / "var"),
        "GRIDGOV_SECRET_KEY": f"crash-test-{tag}",
        "GRIDGOV_MQTT_INGEST": "true",
        "GRIDGOV_MQTT_TOPIC_PREFIX": prefix,
        "GRIDGOV_MQTT_CLIENT_ID": f"gridgov-crash-{tag}",
        "GRIDGOV_SWEEP_SECONDS": "0",
        "GRIDGOV_NOTIFY_SECONDS": "0",
        "GRIDGOV_WARNING_SECONDS": "0",
        "GRIDGOV_SENSING_CHECK_SECONDS": "0",
        "GRIDGOV_LOG_LEVEL": "WARNING",
    }
    if broker_kind == "mosquitto":
        env["GRIDGOV_MQTT_URL"] = "mqtt://127.0.0.1:1883"
        port, login = 1883, None
    else:
        port, login = _free_port(), ("crash-gw", token)
        env["GRIDGOV_MQTT_EMBEDDED_BIND"] = f"127.0.0.1:{port}"
    seed = random.randrange(1 << 30)
    moments = random.Random(seed)
    with (tmp_path / "server.log").open("w") as log:
        server = Server(env, log)
        server.start()
        gateway = Gateway(port, f"{prefix}/330111/stations/{FUCHUN_GAUGE}/rainfall", login, RATES[broker_kind])
        report = []
        try:
            for _round in range(ROUNDS):
                _flowing(gateway)
                time.sleep(moments.uniform(0.2, 2.0))
                server.kill()
                acked, (stored, rows) = gateway.acked(), _stored(engine)
                report.append(f"kill: sent {gateway.sent}, acknowledged {len(acked)}, stored {len(stored)}")
                assert acked, "nothing was acknowledged before the kill"
                if broker_kind == "embedded":  # PUBACK means committed: all of it is in the database already
                    assert acked <= stored, f"acknowledged, not stored: {sorted(acked - stored)[:20]} (seed {seed})"
                assert rows == len(stored)
                server.start()
            _flowing(gateway)
            gateway.stop.set()
            gateway.thread.join(10)
            _until(lambda: len(gateway.acked()) == gateway.sent, 90, "every reading acknowledged")
            _until(lambda: len(_stored(engine)[0]) >= gateway.sent, 30, "every reading stored")
            time.sleep(0.5)  # a double would show now
            stored, rows = _stored(engine)
            acked = gateway.acked()
            print(f"seed {seed}; " + "; ".join(report) + f"; at the end {len(acked)} acknowledged, {rows} rows")  # noqa: T201
            assert acked == set(range(gateway.sent))
            assert acked <= stored, f"lost: {sorted(acked - stored)[:20]} (seed {seed})"
            assert rows == len(stored) == gateway.sent, "a reading stored twice"
            with engine.connect() as connection:
                assert connection.execute(select(func.count()).select_from(DeadLetter)).scalar_one() == 0
        finally:
            gateway.close()
            server.stop()
    if broker_kind == "mosquitto":  # forget the consumer's persistent session on Mosquitto
        cleanup = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=env["GRIDGOV_MQTT_CLIENT_ID"])
        cleanup.connect("127.0.0.1", 1883)
        cleanup.disconnect()
