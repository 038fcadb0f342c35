"""The MQTT consumer: any message lands or is dead-lettered, and a consumer killed in the middle of a QoS 1
stream and restarted under the same client id stores every reading exactly once (Mosquitto when it runs on
127.0.0.1:1883, and the embedded broker)."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridgov.db import Database
from gridgov.migrate import upgrade
from gridgov.sensing.broker import EmbeddedBroker, Grant, matches
from gridgov.sensing.models import DeadLetter, Observation
from gridgov.sensing.mqtt import BrokerAddress, MqttConsumer
from gridgov.sensing.runtime import observation_writer
from gridgov.sensing.service import Ingestor
from tests.conftest import fresh_engine
from tests.sensing.world import FUCHUN_GAUGE, WANSHI_GAUGE, build_gauges

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
MOSQUITTO = ("127.0.0.1", 1883)


def mosquitto_running() -> bool:
    try:
        with socket.create_connection(MOSQUITTO, timeout=0.5):
            return True
    except OSError:
        return False


# the message handler, called directly ------------------------------------------------------------
def _consumer(database: Database | None = None) -> MqttConsumer:
    writer = observation_writer(database, Ingestor()) if database else None
    return MqttConsumer(BrokerAddress("127.0.0.1", 1), writer, prefix="gridgov")  # type: ignore[arg-type]


GOOD_TOPIC = f"gridgov/330111/stations/{FUCHUN_GAUGE}/rainfall"
topics = st.one_of(
    st.just(GOOD_TOPIC),
    st.just(f"gridgov/330111/stations/{WANSHI_GAUGE}/rainfall"),
    st.just("gridgov/330111/stations/NOPE/rainfall"),
    st.just(f"gridgov/330111/stations/{FUCHUN_GAUGE}/water_level"),
    st.text(max_size=60),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
times = st.one_of(
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
        lambda d: d.isoformat()
    ),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
readings = st.fixed_dictionaries(
    {"time": times, "value": st.one_of(st.floats(), st.integers(), st.text(max_size=5), st.none())},
    optional={"unit": st.one_of(st.just("mm"), st.just("cm"), st.text(max_size=5), st.integers())},
)
payloads = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    readings.map(lambda v: json.dumps(v).encode()),
    st.lists(readings, min_size=1, max_size=5).map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topic=topics, payload=payloads)
def test_any_message_lands_or_is_dead_lettered_and_the_handler_never_raises(
    session: Session, topic: str, payload: bytes
) -> None:
    if session.info.get("gauges") is None:
        build_gauges(session)
        session.info["gauges"] = True
    consumer = _consumer()
    letters = session.scalar(select(func.count()).select_from(DeadLetter)) or 0
    batch = consumer.handle(topic, payload)
    assert batch.parts, "every message yields at least one reading or refusal"
    (outcome,) = Ingestor(lambda: NOW).write(session, [batch])
    assert outcome.accepted + outcome.duplicate + len(outcome.refused) == len(batch.parts)
    assert (session.scalar(select(func.count()).select_from(DeadLetter)) or 0) == letters + len(outcome.refused)


def test_topic_filters_match_like_mqtt() -> None:
    assert matches("gridgov/+/stations/+/+", GOOD_TOPIC)
    assert matches("gridgov/#", GOOD_TOPIC) and matches("#", "a")
    assert not matches("gridgov/+/stations/+", GOOD_TOPIC)
    assert not matches("#", "$SYS/broker/load")


# end to end: kill the consumer in the middle of a QoS 1 stream -------------------------------------
@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    login: tuple[str, str] | None = None
    """User name and password of every client (the embedded broker with an authority)."""


class Passwords:
    """An authority with fixed passwords: the consumer may subscribe, the gateway only publish."""

    def authenticate(self, username: str | None, password: bytes | None) -> Grant | int:
        if (username, password) == ("consumer", b"c-secret"):
            return Grant("consumer", may_subscribe=True)
        if (username, password) == ("gateway", b"g-secret"):
            return Grant("gateway", may_subscribe=False, may_publish=lambda _topic, _payload: True)
        return 4


@pytest.fixture(params=["mosquitto", "embedded", "embedded-auth"])
def broker(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    if request.param == "mosquitto":
        if not mosquitto_running():
            print("Mosquitto not reachable on 127.0.0.1:1883: skipping it; the embedded broker is tested instead")  # noqa: T201
            pytest.skip("Mosquitto not reachable on 127.0.0.1:1883 (the embedded broker is tested instead)")
        yield Endpoint(*MOSQUITTO)
        return
    authority = Passwords() if request.param == "embedded-auth" else None
    embedded = EmbeddedBroker(port=0, authority=authority)
    embedded.start()
    try:
        yield Endpoint("127.0.0.1", embedded.port, ("consumer", "c-secret") if authority else None)
    finally:
        embedded.stop()


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[Database]:
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        yield Database(engine, sessionmaker(engine, expire_on_commit=False))


def _stored(database: Database) -> tuple[int, int]:
    with database.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(Observation)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Observation.phenomenon_time)))) or 0
    return rows, distinct


def _wait(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_consumer_killed_mid_stream_and_restarted_stores_every_reading_once(
    broker: Endpoint, database: Database
) -> None:
    host, port = broker.host, broker.port
    consumer_login, gateway_login = (broker.login, ("gateway", "g-secret")) if broker.login else (None, None)
    with database.session() as session:
        build_gauges(session)
    tag = uuid.uuid4().hex[:10]
    prefix, client_id = f"gridgov-test-{tag}", f"gridgov-ingest-{tag}"
    topic = f"{prefix}/330111/stations/{FUCHUN_GAUGE}/rainfall"
    total = 600  # below Mosquitto's default max_queued_messages (1000) for an offline session

    reached, release = threading.Event(), threading.Event()
    landed: list[int] = []

    def slow_commit(_session: Session, rows: list[object]) -> None:
        """The first consumer's writer stalls inside a transaction a third of the way in."""
        landed.append(len(rows))
        if sum(landed) >= total // 3:
            reached.set()
            release.wait(10)

    def consumer(*listeners: object) -> MqttConsumer:
        writer = observation_writer(database, Ingestor(lambda: NOW, listeners))  # type: ignore[arg-type]
        username, password = consumer_login or (None, None)
        address = BrokerAddress(host, port, username=username, password=password)
        c = MqttConsumer(address, writer, prefix=prefix, client_id=client_id)
        c.start()
        assert c.subscribed.wait(10), "consumer did not subscribe"
        return c

    first = consumer(slow_commit)
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{tag}")
    publisher.max_inflight_messages_set(50)
    if gateway_login:
        publisher.username_pw_set(*gateway_login)
    publisher.connect(host, port)
    publisher.loop_start()
    published = threading.Event()

    def publish() -> None:
        """Up to 50 in flight: with the embedded broker a PUBACK waits for the commit, so messages queue behind
        the stalled transaction only when the publisher does not wait for each one."""
        infos = []
        for i in range(total):
            reading = {"time": (START + timedelta(minutes=i)).isoformat(), "value": round(i % 50 / 10, 1), "unit": "mm"}
            infos.append(publisher.publish(topic, json.dumps(reading), qos=1))
            if i % 100 == 99:
                time.sleep(0.05)
        deadline = time.monotonic() + 60
        while not all(info.is_published() for info in infos) and time.monotonic() < deadline:
            time.sleep(0.05)
        published.set()

    sender = threading.Thread(target=publish)
    sender.start()
    try:
        assert reached.wait(30), "the first third did not arrive"
        time.sleep(0.3)  # more messages arrive and queue behind the stalled transaction
        first.kill()  # no DISCONNECT, nothing more acknowledged …
        dropped = first.writer.abandon()  # … what was received but not yet written is gone …
        release.set()
        first.writer.stop()  # … and the stalled transaction commits, never acknowledged
        assert dropped > 0
        stored_at_kill, _ = _stored(database)
        assert stored_at_kill < total
        time.sleep(0.3)
        second = consumer()  # same client id: the broker re-sends what was not acknowledged
        try:
            _wait(lambda: _stored(database)[0] >= total and published.is_set(), 60, f"{total} readings stored")
            time.sleep(0.5)  # anything more would be a double
            rows, distinct = _stored(database)
            assert rows == distinct == total, (rows, distinct, dropped)
            with database.sessions() as session:
                repeats = session.scalar(select(func.sum(Observation.repeats))) or 0
            assert repeats > 0  # the committed but unacknowledged readings came again and were counted
            print(  # noqa: T201 (shown with -s)
                f"killed with {stored_at_kill} stored, {first.acked} acknowledged, {dropped} dropped unwritten;"
                f" after the restart {rows} stored once each, {repeats} redelivered repeats counted"
            )
            with database.sessions() as session:
                assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        finally:
            second.stop()
            second.writer.stop()
    finally:
        sender.join(30)
        publisher.loop_stop()
        publisher.disconnect()
        cleanup = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        if consumer_login:
            cleanup.username_pw_set(*consumer_login)
        cleanup.connect(host, port)  # forget the persistent session on the broker
        cleanup.disconnect()
