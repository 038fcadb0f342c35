"""The embedded broker on its own: a publisher's PUBACK waits until the subscribers have acknowledged their
copies (or one subscribes, for a held topic), and a client that has not authenticated costs little: packet
sizes are capped before the body is read, an idle connection is closed, pre-CONNACK connections and sessions
are counted."""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import paho.mqtt.client as mqtt

from gridgov.sensing.broker import EmbeddedBroker
from gridgov.sensing.mqttwire import string

TOPIC = "gridgov/330111/stations/RG-1/rainfall"
HOLD = "gridgov/+/stations/+/+"


@contextmanager
def running(**options: Any) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(port=0, **options)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def _client(port: int, client_id: str, *, clean: bool = True, manual_ack: bool = False) -> mqtt.Client:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean, manual_ack=manual_ack
    )
    connected = threading.Event()
    client.on_connect = lambda *_args: connected.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert connected.wait(10)
    return client


def _subscriber(port: int, received: list[mqtt.MQTTMessage]) -> mqtt.Client:
    """Persistent, acknowledging only when the test says so."""
    client = _client(port, f"sub-{uuid.uuid4().hex[:6]}", clean=False, manual_ack=True)
    subscribed = threading.Event()
    client.on_message = lambda _c, _u, message: received.append(message)
    client.on_subscribe = lambda *_args: subscribed.set()
    client.subscribe(HOLD, qos=1)
    assert subscribed.wait(10)
    return client


def _stop(*clients: mqtt.Client) -> None:
    for client in clients:
        client.disconnect()
        client.loop_stop()


def _wait(condition: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _connect_packet(client_id: str) -> bytes:
    body = string("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 30) + string(client_id)
    return bytes([0x10, len(body)]) + body


def _closed(sock: socket.socket, seconds: float = 5) -> bool:
    """True when the broker closes the connection within ``seconds`` (whatever it sent before)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


# PUBACK means kept ---------------------------------------------------------------------------------
def test_a_publisher_is_acknowledged_only_after_the_subscriber_acknowledged_its_copy() -> None:
    received: list[mqtt.MQTTMessage] = []
    with running(hold=HOLD) as broker:
        subscriber = _subscriber(broker.port, received)
        publisher = _client(broker.port, "gateway")
        try:
            info = publisher.publish(TOPIC, b'{"time": 0, "value": 1}', qos=1)
            assert _wait(lambda: len(received) == 1)
            time.sleep(0.3)
            assert not info.is_published(), "PUBACK before the subscriber acknowledged"
            subscriber.ack(received[0].mid, 1)
            assert _wait(info.is_published), "no PUBACK after the subscriber acknowledged"
        finally:
            _stop(subscriber, publisher)


def test_a_held_topic_waits_unacknowledged_for_its_first_subscriber() -> None:
    received: list[mqtt.MQTTMessage] = []
    with running(hold=HOLD) as broker:
        publisher = _client(broker.port, "gateway")
        try:
            held = publisher.publish(TOPIC, b"held", qos=1)
            elsewhere = publisher.publish("lab/other", b"nobody", qos=1)
            assert _wait(elsewhere.is_published)  # off the held filter: acknowledged, as any broker does
            time.sleep(0.3)
            assert not held.is_published(), "PUBACK for a reading nobody has taken"
            subscriber = _subscriber(broker.port, received)  # the consumer comes up after a restart
            assert _wait(lambda: len(received) == 1) and received[0].payload == b"held"
            assert not held.is_published()
            subscriber.ack(received[0].mid, 1)
            assert _wait(held.is_published)
            _stop(subscriber)
        finally:
            _stop(publisher)


def test_a_copy_the_broker_cannot_keep_disconnects_the_publisher_so_it_resends() -> None:
    received: list[mqtt.MQTTMessage] = []
    with running(hold=HOLD, max_queued=1, max_inflight=1) as broker:
        subscriber = _subscriber(broker.port, received)
        disconnected = threading.Event()
        publisher = _client(broker.port, "gateway")
        publisher.on_disconnect = lambda *_args: disconnected.set()
        try:
            infos = [publisher.publish(TOPIC, str(i).encode(), qos=1) for i in range(3)]
            # one in flight to the subscriber, one queued, the third dropped: its publisher must hear of it
            assert disconnected.wait(10)
            assert broker.dropped >= 1
            assert not infos[2].is_published()
        finally:
            _stop(subscriber, publisher)


# before authentication ------------------------------------------------------------------------------
def test_an_oversize_packet_is_refused_from_its_header_before_and_after_connack() -> None:
    with running(max_packet=8192) as broker:
        with socket.create_connection(("127.0.0.1", broker.port)) as sock:
            sock.sendall(b"\x10\xff\xff\xff\x7f")  # a CONNECT declaring 256 MB, body never sent
            assert _closed(sock, 2)
        with socket.create_connection(("127.0.0.1", broker.port)) as sock:
            sock.sendall(_connect_packet("big"))
            assert sock.recv(4) == b"\x20\x02\x00\x00"
            sock.sendall(b"\x30\x81\x80\x01")  # a PUBLISH of 16,385 bytes > 8,192
            assert _closed(sock, 2)
        received: list[mqtt.MQTTMessage] = []
        subscriber = _subscriber(broker.port, received)
        publisher = _client(broker.port, "gateway")
        try:  # a big but allowed batch goes through
            publisher.publish(TOPIC, b"x" * 8000, qos=0)
            assert _wait(lambda: len(received) == 1)
        finally:
            _stop(subscriber, publisher)


def test_a_connection_that_does_not_send_connect_is_closed() -> None:
    with running(connect_timeout=0.5) as broker, socket.create_connection(("127.0.0.1", broker.port)) as sock:
        started = time.monotonic()
        sock.sendall(b"\x10")  # a slow start, then nothing
        assert _closed(sock, 5)
        assert time.monotonic() - started < 3


def test_connections_waiting_for_connack_and_sessions_are_capped() -> None:
    with running(max_unauthenticated=3, max_sessions=2, connect_timeout=2) as broker:
        idle = [socket.create_connection(("127.0.0.1", broker.port)) for _ in range(3)]
        try:
            assert _wait(lambda: broker.unauthenticated == 3)
            with socket.create_connection(("127.0.0.1", broker.port)) as extra:
                assert _closed(extra, 1), "a fourth connection before CONNACK was kept"
        finally:
            for sock in idle:
                sock.close()
        assert _wait(lambda: broker.unauthenticated == 0)
        answers = []
        socks = [socket.create_connection(("127.0.0.1", broker.port)) for _ in range(3)]
        try:
            for index, sock in enumerate(socks):
                sock.sendall(_connect_packet(f"client-{index}"))
                answers.append(sock.recv(4))
        finally:
            for sock in socks:
                sock.close()
        assert answers == [b"\x20\x02\x00\x00", b"\x20\x02\x00\x00", b"\x20\x02\x00\x03"]  # server unavailable
