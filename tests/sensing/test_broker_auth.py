"""The embedded broker as the app runs it: gateways connect with their user name and API token, the platform's
consumer with its internal credential; a gateway's readings land only for stations in its area."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from gridgov.auth.models import Account, ApiToken
from gridgov.auth.schemas import TokenCreate
from gridgov.auth.security import token_digest
from gridgov.auth.service import AuthService, principal_for
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from gridgov.org.models import Person
from gridgov.sensing.gateways import INTERNAL_USERNAME, issue_gateway_token
from gridgov.sensing.models import DeadLetter, Observation
from gridgov.sensing.runtime import SensingRuntime
from gridgov.sensing.schemas import DatastreamCreate, StationCreate
from gridgov.sensing.service import SensingService
from gridgov.warning.storm_io import MqttSender
from tests.conftest import fresh_engine
from tests.factories import FUCHUN, WANSHI, create_account, create_person
from tests.sensing.world import FUCHUN_GAUGE, WANSHI_GAUGE, WANSHI_POINT, build_gauges

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
PREFIX = "gridgov"
RECHECK_SECONDS = 0.5


@dataclass
class Broker:
    runtime: SensingRuntime
    database: Database
    port: int
    tokens: dict[str, str]
    """user name → API token: ``fuchun-gw`` (api_client in 富春街道), ``wanshi-op`` (township operator)."""


@contextmanager
def _database(backend: str, tmp_path: Path) -> Iterator[Database]:
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        yield Database(engine, sessionmaker(engine, expire_on_commit=False))


@contextmanager
def _running(database: Database, tmp_path: Path, auth: bool) -> Iterator[Broker]:
    tokens: dict[str, str] = {}
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        mqtt_embedded_bind="127.0.0.1:0",
        mqtt_embedded_auth=auth,
        mqtt_client_id=f"gridgov-ingest-{uuid.uuid4().hex[:6]}",
        mqtt_recheck_seconds=RECHECK_SECONDS,
    )
    with database.session() as session:
        gauges = build_gauges(session)
        for username, role, node in (
            ("fuchun-gw", Role.api_client, FUCHUN),
            ("wanshi-op", Role.township_operator, WANSHI),
        ):
            account = create_account(
                session, create_person(session, gauges.county, [(role, node)], name=username), username
            )
            tokens[username] = AuthService(session, settings).create_token(account.id, TokenCreate(name="mqtt")).token
    runtime = SensingRuntime(settings, database, lambda: NOW)
    runtime.start_mqtt()
    assert runtime.broker is not None and runtime.consumer is not None
    try:
        assert runtime.consumer.subscribed.wait(10), "the platform's consumer did not get in"
        yield Broker(runtime, database, runtime.broker.port, tokens)
    finally:
        runtime.consumer.stop()
        runtime.writer.stop()
        runtime.broker.stop()


@pytest.fixture
def broker(backend: str, tmp_path: Path) -> Iterator[Broker]:
    with _database(backend, tmp_path) as database, _running(database, tmp_path, auth=True) as running:
        yield running


def _connack(port: int, username: str | None, password: str | None, client_id: str = "probe") -> int:
    """The CONNACK return code a raw MQTT 3.1.1 CONNECT gets."""

    def string(raw: bytes) -> bytes:
        return struct.pack("!H", len(raw)) + raw

    flags = 0x02 | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    body = string(b"MQTT") + bytes([4, flags]) + struct.pack("!H", 30) + string(client_id.encode())
    if username is not None:
        body += string(username.encode())
    if password is not None:
        body += string(password.encode())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(bytes([0x10, len(body)]) + body)
        answer = sock.recv(4)
    assert answer[:2] == b"\x20\x02", answer
    return answer[3]


def _publisher(port: int, username: str, token: str) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw-{uuid.uuid4().hex[:8]}")
    client.username_pw_set(username, token)
    connected = threading.Event()
    client.on_connect = lambda *_args: connected.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert connected.wait(10)
    return client


def _reading(minute: int) -> bytes:
    return json.dumps({"time": f"2026-11-23T05:{minute:02d}:00Z", "value": 1.5, "unit": "mm"}).encode()


def _counts(database: Database) -> tuple[int, list[str]]:
    with database.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Observation)) or 0
        kinds = list(session.scalars(select(DeadLetter.kind).order_by(DeadLetter.id)))
    return stored, kinds


def _until(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_client_without_good_gateway_credentials_is_refused(broker: Broker) -> None:
    port, tokens = broker.port, broker.tokens
    assert _connack(port, None, None) == 5  # not authorised: anonymous
    assert _connack(port, "fuchun-gw", None) == 5
    assert _connack(port, "fuchun-gw", "not-a-token") == 4  # bad user name or password
    assert _connack(port, "wanshi-op", tokens["fuchun-gw"]) == 4  # another account's token
    assert _connack(port, "wanshi-op", tokens["wanshi-op"]) == 5  # a good token, but not a gateway's
    assert _connack(port, INTERNAL_USERNAME, "guess") == 4
    assert _connack(port, "fuchun-gw", tokens["fuchun-gw"]) == 0
    # nobody takes over the consumer's persistent session
    assert _connack(port, "fuchun-gw", tokens["fuchun-gw"], broker.runtime.settings.mqtt_client_id) == 5
    assert broker.runtime.consumer is not None and broker.runtime.consumer.connected.is_set()


def test_a_gateways_readings_land_only_for_stations_in_its_area(broker: Broker) -> None:
    gateway = _publisher(broker.port, "fuchun-gw", broker.tokens["fuchun-gw"])
    refused: list[Any] = []
    subscribed = threading.Event()

    def on_subscribe(_client: Any, _userdata: Any, _mid: Any, codes: list[Any], _props: Any) -> None:
        refused.extend(code.is_failure for code in codes)
        subscribed.set()

    gateway.on_subscribe = on_subscribe
    try:
        for topic in (
            f"{PREFIX}/330111/stations/{FUCHUN_GAUGE}/rainfall",
            f"{PREFIX}/330111/stations/{WANSHI_GAUGE}/rainfall",
            f"{PREFIX}/330111/stations/NOPE/rainfall",
        ):
            gateway.publish(topic, _reading(0), qos=1).wait_for_publish(10)
        _until(lambda: _counts(broker.database) == (1, ["out_of_scope", "unknown_station"]), "one stored, two refused")
        # a station created just now, outside the gateway's area, is known to the broker at once
        with broker.database.session() as session:
            service = SensingService(session)
            admin = principal_for(session.scalars(select(Account).where(Account.username == "admin")).one())
            service.create_station(
                admin, StationCreate(code="RG-WS-NEW", kind="rain_gauge", name="新站", lon=WANSHI_POINT[0], lat=30.05)
            )
            service.add_datastream(admin, "RG-WS-NEW", DatastreamCreate(property="rainfall"))
        time.sleep(0.3)
        gateway.publish(f"{PREFIX}/330111/stations/RG-WS-NEW/rainfall", _reading(1), qos=1).wait_for_publish(10)
        _until(lambda: len(_counts(broker.database)[1]) == 3, "the third refusal")
        assert _counts(broker.database) == (1, ["out_of_scope", "unknown_station", "out_of_scope"])
        with broker.database.sessions() as session:
            letter = session.scalars(select(DeadLetter).order_by(DeadLetter.id)).first()
            assert letter is not None and letter.source == "mqtt" and letter.payload == _reading(0)
            assert WANSHI_GAUGE in letter.topic and "outside your area" in letter.reason
        gateway.subscribe(f"{PREFIX}/#", qos=1)  # gateways publish; they do not read others' readings
        assert subscribed.wait(10) and refused == [True]
    finally:
        gateway.loop_stop()
        gateway.disconnect()


def test_auth_can_be_turned_off_for_a_lab(backend: str, tmp_path: Path) -> None:
    with _database(backend, tmp_path) as database, _running(database, tmp_path, auth=False) as running:
        assert _connack(running.port, None, None) == 0
        anonymous = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="lab")
        anonymous.connect("127.0.0.1", running.port)
        anonymous.loop_start()
        try:
            topic = f"{PREFIX}/330111/stations/{WANSHI_GAUGE}/rainfall"
            anonymous.publish(topic, _reading(2), qos=1).wait_for_publish(10)
            _until(lambda: _counts(running.database) == (1, []), "the reading stored")
        finally:
            anonymous.loop_stop()
            anonymous.disconnect()


def test_the_storm_simulator_publishes_with_a_token_it_issues_itself(broker: Broker) -> None:
    settings = broker.runtime.settings
    with broker.database.session() as session:
        token = issue_gateway_token(session, settings, "storm-gateway", "台风模拟网关")
        again = issue_gateway_token(session, settings, "storm-gateway", "台风模拟网关")  # same account, new token
        assert token != again
        assert session.scalar(select(func.count()).select_from(Account).where(Account.username == "storm-gateway")) == 1
    url = f"mqtt://127.0.0.1:{broker.port}"
    with pytest.raises(ConnectionError, match="refused"):
        MqttSender(url, "storm-bad", username="storm-gateway", password="wrong")
    sender = MqttSender(url, "storm-test", username="storm-gateway", password=again)
    sender.send(f"{PREFIX}/330111/stations/{WANSHI_GAUGE}/rainfall", _reading(3), 1)
    assert sender.close() == 1
    _until(lambda: _counts(broker.database) == (1, []), "the simulator's reading stored")


def test_a_gateway_is_disconnected_within_seconds_once_its_token_or_person_stops_being_valid(broker: Broker) -> None:
    """Revoked, expired, or the person deactivated: the open connection goes within a few re-check rounds,
    and a new CONNECT with that token is refused."""
    with broker.database.session() as session:
        account = session.scalars(select(Account).where(Account.username == "fuchun-gw")).one()
        tokens = {
            what: AuthService(session, broker.runtime.settings).create_token(account.id, TokenCreate(name=what)).token
            for what in ("revoked", "expired", "person")
        }
    dropped: dict[str, float] = {}
    clients = {}
    for what, token in tokens.items():
        client = _publisher(broker.port, "fuchun-gw", token)
        client.on_disconnect = lambda *_args, what=what: dropped.setdefault(what, time.monotonic())
        clients[what] = client

    def change(what: str, **values: Any) -> float:
        with broker.database.session() as session:
            if what == "person":
                person_id = session.scalar(select(Account.person_id).where(Account.username == "fuchun-gw"))
                session.execute(update(Person).where(Person.id == person_id).values(active=False))
            else:
                session.execute(
                    update(ApiToken).where(ApiToken.token_hash == token_digest(tokens[what])).values(**values)
                )
        return time.monotonic()

    try:
        time.sleep(RECHECK_SECONDS * 2)
        assert not dropped, "a valid gateway was disconnected"
        changed = {
            "revoked": change("revoked", revoked_at=datetime.now(UTC)),
            "expired": change("expired", expires_at=datetime.now(UTC) - timedelta(seconds=1)),
        }
        _until(lambda: {"revoked", "expired"} <= dropped.keys(), "revoked and expired tokens disconnected", 10)
        assert "person" not in dropped
        changed["person"] = change("person")
        _until(lambda: "person" in dropped, "the deactivated person's gateway disconnected", 10)
        for what, at in changed.items():
            assert dropped[what] - at < RECHECK_SECONDS + 3, (what, dropped[what] - at)
        for what, token in tokens.items():
            assert _connack(broker.port, "fuchun-gw", token, f"again-{what}") == 4
    finally:
        for client in clients.values():
            client.loop_stop()
            client.disconnect()
