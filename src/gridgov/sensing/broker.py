"""The embedded MQTT broker: what the demo and single-machine installs use when no broker URL is set.

A small MQTT 3.1.1 broker in pure Python (asyncio, in a thread of its own), enough for gateways and the
platform's consumer on one machine: QoS 0 and 1 (QoS 2 is accepted from publishers and delivered as
QoS 1), persistent sessions (``clean_session=False``) that keep their subscriptions, their queued
messages and their unacknowledged in-flight messages across reconnects (re-sent with DUP), shared
subscriptions (``$share/<group>/<filter>``: each message to one member, a connected one first),
retained messages, keep-alive. Sessions live in memory: they survive a consumer's restart, not the
broker's (production uses Mosquitto or EMQX, with persistence).

Authentication is delegated to an :class:`Authority` (the platform's is
:class:`gridgov.sensing.gateways.GatewayAuthority`): it answers each CONNECT's user name and password with a
:class:`Grant` or a CONNACK return code (4 bad user name or password, 5 not authorised), and the grant says
whether the client may subscribe and which of its publishes are routed. MQTT 3.1.1 has no negative PUBACK: a
publish the grant refuses is acknowledged and dropped (the authority records it). A persistent session belongs
to the client that made it: another client cannot take over its id. Without an authority (tests, a lab)
anyone may connect and do anything.

Why not ``amqtt`` (PyPI): 0.12.1 cancels its outgoing QoS 1 deliveries when a subscriber disconnects
and forgets them (they are never re-sent), and keeps no offline queue for anonymous sessions, so a
consumer restarted in the middle of a stream loses readings. This broker exists to keep that promise.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import struct
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

ACCEPTED, SERVER_UNAVAILABLE, BAD_CREDENTIALS, NOT_AUTHORISED = 0, 3, 4, 5
"""CONNACK return codes (MQTT 3.1.1 §3.2.2.3)."""
SUBSCRIPTION_REFUSED = 0x80
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14


class ProtocolError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Grant:
    """What an authenticated client may do."""

    name: str
    """Who it is (the account's user name): owns the sessions it creates."""
    may_subscribe: bool
    may_publish: Callable[[str, bytes], bool] | None = None
    """(topic, payload) → route it? None: every publish is routed."""


class Authority(Protocol):
    def authenticate(self, username: str | None, password: bytes | None) -> Grant | int:
        """A grant, or the CONNACK return code refusing the connection. Called in a worker thread."""
        ...


@dataclass(frozen=True, slots=True)
class _Connect:
    level: int
    clean: bool
    keepalive: int
    client_id: str
    username: str | None
    password: bytes | None


def _parse_connect(body: bytes) -> _Connect:
    def field_at(offset: int) -> tuple[bytes, int]:
        length = struct.unpack_from("!H", body, offset)[0]
        end = offset + 2 + length
        if end > len(body):
            raise ProtocolError("CONNECT field runs past the packet")
        return body[offset + 2 : end], end

    _name, offset = field_at(0)
    level, flags = body[offset], body[offset + 1]
    keepalive = struct.unpack_from("!H", body, offset + 2)[0]
    client_id, offset = field_at(offset + 4)
    if flags & 0x04:  # will topic and will message
        _topic, offset = field_at(offset)
        _message, offset = field_at(offset)
    username = password = None
    if flags & 0x80:
        raw_name, offset = field_at(offset)
        username = raw_name.decode()
    if flags & 0x40:
        password, offset = field_at(offset)
    return _Connect(level, bool(flags & 0x02), keepalive, client_id.decode(), username, password)


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def _packet(kind: int, flags: int, body: bytes) -> bytes:
    length, header = len(body), bytearray([(kind << 4) | flags])
    while True:
        byte, length = length % 128, length // 128
        header.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(header) + body


def _publish(message: Message, mid: int | None, dup: bool = False) -> bytes:
    flags = (0x08 if dup else 0) | (message.qos << 1) | (0x01 if message.retain else 0)
    body = _string(message.topic) + (struct.pack("!H", mid) if mid is not None else b"") + message.payload
    return _packet(PUBLISH, flags, body)


def matches(topic_filter: str, topic: str) -> bool:
    """MQTT wildcard matching (``+`` one level, ``#`` the rest); ``$`` topics only by explicit filters."""
    if topic.startswith("$") and not topic_filter.startswith("$"):
        return False
    f_parts, t_parts = topic_filter.split("/"), topic.split("/")
    for index, part in enumerate(f_parts):
        if part == "#":
            return True
        if index >= len(t_parts) or (part != "+" and part != t_parts[index]):
            return False
    return len(f_parts) == len(t_parts)


@dataclass
class _Session:
    client_id: str
    clean: bool
    subscriptions: dict[str, int] = field(default_factory=dict)
    queue: deque[Message] = field(default_factory=deque)
    inflight: OrderedDict[int, Message] = field(default_factory=OrderedDict)
    writer: asyncio.StreamWriter | None = None
    owner: str | None = None
    """The grant's name of the client that made the session (with an authority)."""
    mids: itertools.cycle[int] = field(default_factory=lambda: itertools.cycle(range(1, 65536)))
    incoming_qos2: set[int] = field(default_factory=set)

    @property
    def connected(self) -> bool:
        return self.writer is not None


class EmbeddedBroker:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        max_inflight: int = 1000,
        max_queued: int = 200_000,
        authority: Authority | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.authority = authority
        self.max_inflight, self.max_queued = max_inflight, max_queued
        self._sessions: dict[str, _Session] = {}
        self._retained: dict[str, Message] = {}
        self._turn = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.dropped = 0

    # lifecycle ---------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        """Listen (port 0 picks a free port, then ``self.port`` tells it); raises if the bind fails."""
        self._thread = threading.Thread(target=self._run, name="gridgov-mqtt-broker", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(asyncio.start_server(self._client, self.host, self.port))
            self.port = self._server.sockets[0].getsockname()[1]
        except OSError as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # one connection ----------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session: _Session | None = None
        try:
            kind, _flags, body = await asyncio.wait_for(self._read(reader), 10)
            if kind != CONNECT:
                raise ProtocolError("first packet is not CONNECT")
            connect = _parse_connect(body)
            grant = await self._authenticate(connect)
            if isinstance(grant, int):
                writer.write(_packet(CONNACK, 0, bytes([0, grant])))
                await writer.drain()
                return
            session, keepalive = self._connect(connect, writer, grant)
            if session is None:
                return
            timeout = keepalive * 1.5 if keepalive else None
            while True:
                kind, flags, body = await asyncio.wait_for(self._read(reader), timeout)
                if kind == DISCONNECT:
                    return
                self._handle(session, grant, kind, flags, body)
        except (
            asyncio.IncompleteReadError,
            ConnectionError,
            TimeoutError,
            ProtocolError,
            UnicodeDecodeError,
            struct.error,
            IndexError,
        ) as exc:
            log.debug("mqtt connection closed", extra={"reason": repr(exc)})
        finally:
            if session is not None and session.writer is writer:
                session.writer = None
                if session.clean:
                    self._sessions.pop(session.client_id, None)
            writer.close()

    async def _authenticate(self, connect: _Connect) -> Grant | int | None:
        """None when there is no authority (anyone may do anything)."""
        if self.authority is None or connect.level not in (3, 4):
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self.authority.authenticate, connect.username, connect.password)
        except Exception:
            log.exception("mqtt authentication failed")
            return SERVER_UNAVAILABLE

    async def _read(self, reader: asyncio.StreamReader) -> tuple[int, int, bytes]:
        first = (await reader.readexactly(1))[0]
        length, multiplier = 0, 1
        for _ in range(4):
            byte = (await reader.readexactly(1))[0]
            length += (byte & 0x7F) * multiplier
            if not byte & 0x80:
                break
            multiplier *= 128
        else:
            raise ProtocolError("malformed remaining length")
        return first >> 4, first & 0x0F, await reader.readexactly(length) if length else b""

    def _connect(
        self, connect: _Connect, writer: asyncio.StreamWriter, grant: Grant | None
    ) -> tuple[_Session | None, int]:
        client_id, clean = connect.client_id, connect.clean
        if connect.level not in (3, 4):
            writer.write(_packet(CONNACK, 0, b"\x00\x01"))  # unacceptable protocol version
            return None, 0
        if not client_id:
            if not clean:
                writer.write(_packet(CONNACK, 0, b"\x00\x02"))  # identifier rejected
                return None, 0
            client_id = f"auto-{next(self._turn)}-{id(writer)}"
        old = self._sessions.get(client_id)
        owner = grant.name if grant is not None else None
        if old is not None and old.owner != owner:  # nobody takes over another client's session
            writer.write(_packet(CONNACK, 0, bytes([0, NOT_AUTHORISED])))
            return None, 0
        if old is not None and old.writer is not None:  # take-over: the old connection goes
            old.writer.close()
            old.writer = None
        if clean or old is None:
            session = _Session(client_id, clean, owner=owner)
            self._sessions[client_id] = session
            present = 0
        else:
            session, present = old, 1
            session.clean = False
        session.writer = writer
        writer.write(_packet(CONNACK, 0, bytes([present, ACCEPTED])))
        for mid, message in session.inflight.items():  # unacknowledged before the break: again, marked DUP
            writer.write(_publish(message, mid, dup=True))
        self._pump(session)
        return session, connect.keepalive

    def _handle(self, session: _Session, grant: Grant | None, kind: int, flags: int, body: bytes) -> None:
        writer = session.writer
        if writer is None:
            raise ConnectionError("session taken over")
        if kind == PUBLISH:
            qos = (flags >> 1) & 0x03
            length = struct.unpack_from("!H", body)[0]
            topic = body[2 : 2 + length].decode()
            offset = 2 + length
            mid = None
            if qos:
                mid = struct.unpack_from("!H", body, offset)[0]
                offset += 2
            message = Message(topic, body[offset:], min(qos, 1), bool(flags & 0x01))
            if qos == 2:
                if mid not in session.incoming_qos2:  # method A: route once, on the first PUBLISH
                    session.incoming_qos2.add(mid)  # type: ignore[arg-type]
                    self._route_from(grant, message)
                writer.write(_packet(PUBREC, 0, struct.pack("!H", mid)))
                return
            self._route_from(grant, message)
            if qos == 1:
                writer.write(_packet(PUBACK, 0, struct.pack("!H", mid)))
        elif kind == PUBACK:
            session.inflight.pop(struct.unpack_from("!H", body)[0], None)
            self._pump(session)
        elif kind == PUBREL:
            mid = struct.unpack_from("!H", body)[0]
            session.incoming_qos2.discard(mid)
            writer.write(_packet(PUBCOMP, 0, body[:2]))
        elif kind == SUBSCRIBE:
            mid, offset, granted = body[:2], 2, bytearray()
            while offset < len(body):
                length = struct.unpack_from("!H", body, offset)[0]
                topic_filter = body[offset + 2 : offset + 2 + length].decode()
                qos = min(body[offset + 2 + length] & 0x03, 1)
                offset += 3 + length
                if grant is not None and not grant.may_subscribe:
                    granted.append(SUBSCRIPTION_REFUSED)
                    continue
                session.subscriptions[topic_filter] = qos
                granted.append(qos)
                self._send_retained(session, topic_filter, qos)
            writer.write(_packet(SUBACK, 0, mid + bytes(granted)))
            self._pump(session)
        elif kind == UNSUBSCRIBE:
            offset = 2
            while offset < len(body):
                length = struct.unpack_from("!H", body, offset)[0]
                session.subscriptions.pop(body[offset + 2 : offset + 2 + length].decode(), None)
                offset += 2 + length
            writer.write(_packet(UNSUBACK, 0, body[:2]))
        elif kind == PINGREQ:
            writer.write(_packet(PINGRESP, 0, b""))
        elif kind in (PUBREC, PUBCOMP):
            pass  # the broker sends no QoS 2
        else:
            raise ProtocolError(f"unexpected packet type {kind}")

    # routing -----------------------------------------------------------------------------------
    def _route_from(self, grant: Grant | None, message: Message) -> None:
        if grant is None or grant.may_publish is None or grant.may_publish(message.topic, message.payload):
            self._route(message)

    def _route(self, message: Message) -> None:
        if message.retain:
            if message.payload:
                self._retained[message.topic] = message
            else:
                self._retained.pop(message.topic, None)
            message = Message(message.topic, message.payload, message.qos)
        groups: dict[tuple[str, str], list[tuple[_Session, int]]] = {}
        for session in list(self._sessions.values()):
            best = -1
            for topic_filter, qos in session.subscriptions.items():
                if topic_filter.startswith("$share/"):
                    _share, group, real = topic_filter.split("/", 2)
                    if matches(real, message.topic):
                        groups.setdefault((group, real), []).append((session, qos))
                elif qos > best and matches(topic_filter, message.topic):
                    best = qos
            if best >= 0:
                self._deliver(session, message, best)
        for members in groups.values():
            online = [m for m in members if m[0].connected] or [m for m in members if not m[0].clean]
            if online:
                session, qos = online[next(self._turn) % len(online)]
                self._deliver(session, message, qos)

    def _deliver(self, session: _Session, message: Message, qos: int) -> None:
        qos = min(qos, message.qos)
        if not session.connected and (qos == 0 or session.clean):
            return
        if len(session.queue) >= self.max_queued:
            self.dropped += 1
            log.warning("mqtt queue full, message dropped", extra={"client": session.client_id})
            return
        session.queue.append(message if qos == message.qos else Message(message.topic, message.payload, qos))
        self._pump(session)

    def _pump(self, session: _Session) -> None:
        writer = session.writer
        if writer is None:
            return
        while session.queue and len(session.inflight) < self.max_inflight:
            message = session.queue.popleft()
            if message.qos == 0:
                writer.write(_publish(message, None))
                continue
            mid = next(session.mids)
            while mid in session.inflight:
                mid = next(session.mids)
            session.inflight[mid] = message
            writer.write(_publish(message, mid))

    def _send_retained(self, session: _Session, topic_filter: str, qos: int) -> None:
        real = topic_filter.split("/", 2)[2] if topic_filter.startswith("$share/") else topic_filter
        for topic, message in self._retained.items():
            if matches(real, topic):
                session.queue.append(Message(topic, message.payload, min(qos, message.qos), retain=True))
