"""The MQTT consumer: readings on ``<prefix>/<county>/stations/<station>/<property>``, QoS 1, acknowledged
only after the rows are committed.

* A persistent session (``clean_session=False``) under a fixed client id: while the consumer is down the
  broker keeps its messages, and on reconnect re-sends what it had sent but not seen acknowledged.
* Manual acknowledgement (paho's ``manual_ack=True``): each message is handed to the observation writer;
  the writer acknowledges it (``client.ack(mid, qos)``) once the transaction holding it has committed.
  A crash before the commit therefore means redelivery, and the UNIQUE (datastream, time) constraint
  absorbs the readings that had in fact been stored: nothing lost, nothing doubled.
* A message is acknowledged only on the connection it arrived on (after a reconnect its packet id may
  name another message; the broker re-sends it anyway).
* Several app processes share the stream through a shared subscription (``$share/<group>/…``), so each
  reading is consumed once; each takes its own client id (``<id>``, ``<id>-1`` … among the processes
  sharing ``data_dir``, see :mod:`gridgov.sensing.claims`), and a restarted process takes a free one again,
  so the persistent session and what waits in it are picked up.
* With the embedded broker, this acknowledgement is what lets the broker answer the gateway's PUBACK: a
  gateway's PUBACK means the reading is committed. With Mosquitto or EMQX the broker answers the gateway
  on receipt and keeps the message for this session (durably as far as the broker's own persistence goes).
* Bad input never stops the consumer: :meth:`MqttConsumer.handle` turns any message into readings or
  refusals, and refusals are dead-lettered like every other source's.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from gridgov.kit.rowwriter import RowWriter
from gridgov.sensing.parsing import parse_mqtt, refusal
from gridgov.sensing.service import Batch, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """``mqtt://[user:password@]host[:port]`` or ``mqtts://…`` (TLS, port 8883 by default)."""
        parts = urlsplit(url if "://" in url else f"mqtt://{url}")
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r} (use mqtt:// or mqtts://)")
        tls = parts.scheme in ("mqtts", "ssl")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (8883 if tls else 1883),
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def subscription(prefix: str, shared_group: str) -> str:
    topic = f"{prefix.strip('/')}/+/stations/+/+"
    return f"$share/{shared_group}/{topic}" if shared_group else topic


class MqttConsumer:
    def __init__(
        self,
        address: BrokerAddress,
        writer: RowWriter[Batch, Outcome],
        *,
        prefix: str = "gridgov",
        client_id: str = "gridgov-ingest",
        shared_group: str = "",
        zone: str = "Asia/Shanghai",
        keepalive: int = 30,
    ) -> None:
        self.address = address
        self.writer = writer
        self.prefix = prefix
        self.client_id = client_id
        self.topic = subscription(prefix, shared_group)
        self.zone = zone
        self.keepalive = keepalive
        self.received = 0
        self.acked = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self._generation = 0
        self._lock = threading.Lock()
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = lambda *_args: self.subscribed.set()
        return client

    # the pure part: any message → a batch of readings and refusals ---------------------------------
    def handle(self, topic: str, payload: bytes) -> Batch:
        """Never raises: whatever the bytes, the result is readings to store or refusals to dead-letter."""
        try:
            return Batch("mqtt", list(parse_mqtt(topic, payload, self.prefix, self.zone)))
        except Exception as exc:  # a bug in parsing must dead-letter the message, not stop the consumer
            log.exception("mqtt message could not be parsed")
            return Batch(
                "mqtt", [refusal("internal", f"解析失败 (could not be parsed: {exc!r})", topic[:300], payload)]
            )

    # lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self.client.connect_async(self.address.host, self.address.port, keepalive=self.keepalive)
        self.client.loop_start()

    def pause(self) -> None:
        """Take no more messages (those arriving now stay unacknowledged: the broker re-sends them later)."""
        self.client.on_message = None

    def stop(self) -> None:
        """Orderly: disconnect (the session stays on the broker), then stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()

    def kill(self) -> None:
        """As a crash would: no DISCONNECT, the socket dropped, nothing more acknowledged (for tests)."""
        with self._lock:
            self._generation += 1  # pending acknowledgements now belong to a dead connection
        self.client.on_message = None
        self.client.on_connect = None
        self.client.on_disconnect = None
        sock = self.client.socket()
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.client.loop_stop()
        if isinstance(sock, socket.socket):
            sock.close()

    # callbacks (paho's network thread) -----------------------------------------------------------
    def _on_connect(self, client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.warning("mqtt connect refused", extra={"reason": str(reason)})
            return
        with self._lock:
            self._generation += 1
        client.subscribe(self.topic, qos=1)
        self.connected.set()
        log.info(
            "mqtt consumer connected",
            extra={"broker": f"{self.address.host}:{self.address.port}", "session_present": flags.session_present},
        )

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self.connected.clear()
        with self._lock:
            self._generation += 1
        log.info("mqtt consumer disconnected", extra={"reason": str(reason)})

    def _on_message(self, client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.received += 1
        batch = self.handle(message.topic, bytes(message.payload))
        if message.qos == 0:
            self.writer.submit(batch)
            return
        generation, mid, qos = self._generation, message.mid, message.qos

        def acknowledge(_result: Outcome | None, error: BaseException | None) -> None:
            if error is not None:  # not stored: no ack, the broker re-sends it after the next reconnect
                log.warning("mqtt message not stored; left unacknowledged", extra={"mid": mid, "error": repr(error)})
                return
            with self._lock:
                if generation != self._generation:
                    return
                client.ack(mid, qos)
                self.acked += 1

        self.writer.submit(batch, acknowledge)
