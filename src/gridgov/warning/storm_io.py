"""The storm simulation's I/O: the network read from the database, and the senders that deliver its readings over
MQTT (QoS 1, as a gateway) or the HTTP batch API, wave by wave."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.warning.simulation import Gauge, Network, Wave, ZoneSite


def load_network(session: Session) -> Network:
    """The active rain gauges and risk zones (with their ranked gauges) of the database."""
    from gridgov.org.models import OrgNode
    from gridgov.warning.repository import WarningRepository

    repo = WarningRepository(session)
    gauges = tuple(Gauge(s.code, s.lon, s.lat) for s in repo.rain_gauges())
    zones = repo.zones()
    assigned = repo.gauge_slots([z.id for z in zones])
    sites = tuple(ZoneSite(z.code, z.name, z.management_level, tuple(assigned[z.id])) for z in zones)
    root = session.scalars(select(OrgNode.code).where(OrgNode.parent_id.is_(None)).order_by(OrgNode.id)).first()
    return Network(gauges, sites, root or "330111")


@dataclass
class SendStats:
    messages: int = 0
    readings: int = 0
    accepted: int = 0
    duplicate: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)


def run_waves(
    waves: Sequence[Wave],
    send: Callable[[Wave], None],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Send each wave at its offset from now (a late wave goes at once)."""
    start = clock()
    for i, wave in enumerate(waves):
        delay = start + wave.offset_s - clock()
        if delay > 0:
            sleep(delay)
        send(wave)
        if progress is not None:
            progress(i + 1)


class MqttSender:
    """Publishes at QoS 1 and waits at :meth:`close` until the broker has acknowledged every message.
    ``username``/``password`` (a gateway's user name and API token on the embedded broker) override those
    of the URL."""

    def __init__(
        self,
        url: str,
        client_id: str,
        *,
        username: str | None = None,
        password: str | None = None,
        max_inflight: int = 200,
        connect_timeout: float = 10.0,
    ) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        from gridgov.sensing.mqtt import BrokerAddress

        address = BrokerAddress.parse(url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        username, password = (username, password) if username else (address.username, address.password)
        if username:
            self.client.username_pw_set(username, password)
        if address.tls:
            self.client.tls_set()
        self.client.max_inflight_messages_set(max_inflight)
        self._connected = threading.Event()
        self._refused: str | None = None
        self.client.on_connect = self._on_connect
        self._pending: list[Any] = []
        self.stats = SendStats()
        where = f"{address.host}:{address.port}"
        try:
            self.client.connect(address.host, address.port, keepalive=30)
        except OSError as exc:
            raise ConnectionError(f"无法连接MQTT服务器 (cannot reach the MQTT broker) {where}: {exc}") from exc
        self.client.loop_start()
        if not self._connected.wait(connect_timeout) or self._refused is not None:
            self.client.loop_stop()
            if self._refused is not None:
                raise ConnectionError(
                    f"MQTT服务器拒绝连接 (the broker refused the connection) {where}: {self._refused}"
                )
            raise ConnectionError(f"MQTT服务器无应答 (no CONNACK from) {where}")

    def _on_connect(self, _client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            self._refused = str(reason)
        self._connected.set()

    def send(self, topic: str, payload: bytes, readings: int) -> None:
        self._pending.append(self.client.publish(topic, payload, qos=1))
        self.stats.messages += 1
        self.stats.readings += readings

    def close(self, timeout: float = 60.0) -> int:
        """Wait for the acknowledgements; returns how many were acknowledged."""
        deadline = time.monotonic() + timeout
        for info in self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                info.wait_for_publish(left)
            except (RuntimeError, ValueError) as exc:
                self.stats.errors.append(str(exc))
        acknowledged = sum(1 for info in self._pending if info.is_published())
        self.client.disconnect()
        self.client.loop_stop()
        return acknowledged


class HttpSender:
    """Posts batches to ``POST /api/v1/sensing/observations`` with a gateway token."""

    def __init__(self, base_url: str, token: str, timeout: float = 60.0) -> None:
        self.url = base_url.rstrip("/") + "/api/v1/sensing/observations"
        self.token = token
        self.timeout = timeout
        self.stats = SendStats()

    def send(self, body: dict[str, Any]) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        request = urllib.request.Request(self.url, data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Bearer {self.token}")
        self.stats.messages += 1
        self.stats.readings += len(body["observations"])
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                counts = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", errors="replace")
            raise ConnectionError(f"HTTP {exc.code}: {detail}") from exc
        except OSError as exc:
            raise ConnectionError(f"无法连接 (cannot reach) {self.url}: {exc}") from exc
        self.stats.accepted += int(counts.get("accepted", 0))
        self.stats.duplicate += int(counts.get("duplicate", 0))
        self.stats.refused += int(counts.get("dead_lettered", 0))
