"""The embedded MQTT broker: what the demo and single-machine installs use when no broker URL is set.

A small MQTT 3.1.1 broker in pure Python (asyncio, in a thread of its own), enough for gateways and the
platform's consumer on one machine: QoS 0 and 1 (QoS 2 is accepted from publishers and delivered as
QoS 1), persistent sessions (``clean_session=False``) that keep their subscriptions, their queued
messages and their unacknowledged in-flight messages across reconnects (re-sent with DUP), shared
subscriptions (``$share/<group>/<filter>``: each message to one member, a connected one first),
retained messages, keep-alive. Sessions live in memory: they survive a consumer's restart, not the
broker's (production uses Mosquitto or EMQX, with persistence).

**A publisher's PUBACK means its message is kept.** The broker answers a QoS 1 publish (PUBREC for QoS 2)
only once every subscriber it delivered a QoS 1 copy to has acknowledged that copy, and the platform's
consumer acknowledges only after the transaction holding the reading has committed: a PUBACK to a gateway
therefore means the reading is in the database, and a crash of the whole process (broker, consumer and
writer) loses nothing acknowledged; the gateway re-sends what was not (paho does so on reconnect). A
message on the ``hold`` filter that no subscriber takes yet (the consumer has not subscribed since a
restart) waits, unacknowledged, until one subscribes. A copy the broker cannot keep for a persistent
subscriber (its queue is full) is not acknowledged either: the publisher's connection is closed so that it
re-sends. A clean-session subscriber that leaves gives up its copies (they count as answered).

Authentication is delegated to an :class:`Authority` (the platform's is
:class:`gridgov.sensing.gateways.GatewayAuthority`): it answers each CONNECT's user name and password with a
:class:`Grant` or a CONNACK return code (4 bad user name or password, 5 not authorised), and the grant says
whether the client may subscribe and which of its publishes are routed. MQTT 3.1.1 has no negative PUBACK: a
publish the grant refuses is acknowledged (once the authority has recorded it) and dropped. A persistent
session belongs to the client that made it: another client cannot take over its id. Every
``recheck_seconds`` the authority re-checks the credential of every connected client whose grant names one
(an API token revoked or expired, an account or person deactivated): those no longer valid are
disconnected. Without an authority (tests, a lab) anyone may connect and do anything.

Before authentication a client can cost little: its CONNECT must arrive within ``connect_timeout`` seconds
and be at most 64 KiB, at most ``max_unauthenticated`` connections wait for their CONNACK at once (more are
closed at once), every packet's declared length is checked against ``max_packet`` before its body is read
(larger: disconnected), and at most ``max_sessions`` sessions exist (a new one beyond: CONNACK 3).

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
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn, Protocol

from gridgov.sensing.mqttwire import (
    ACCEPTED,
    BAD_CREDENTIALS,
    CONNACK,
    CONNECT,
    DISCONNECT,
    NOT_AUTHORISED,
    PINGREQ,
    PINGRESP,
    PUBACK,
    PUBCOMP,
    PUBLISH,
    PUBREC,
    PUBREL,
    SERVER_UNAVAILABLE,
    SUBACK,
    SUBSCRIBE,
    SUBSCRIPTION_REFUSED,
    UNSUBACK,
    UNSUBSCRIBE,
    Connect,
    ProtocolError,
    matches,
    packet,
    parse_connect,
    publish,
    remaining_length,
)

__all__ = ["BAD_CREDENTIALS", "NOT_AUTHORISED", "Authority", "EmbeddedBroker", "Grant", "Message", "matches"]

log = logging.getLogger(__name__)
MAX_CONNECT = 65_536
"""The largest CONNECT accepted (client id, will, user name and password), whatever ``max_packet`` is."""
OPEN, ANSWERED, ABANDONED = 0, 1, 2


@dataclass(eq=False, slots=True)
class _Ticket:
    """A publisher's QoS 1/2 message waiting for its answer (``reply``: PUBACK or PUBREC)."""

    writer: asyncio.StreamWriter
    """The publisher's connection (a re-sent QoS 2 message moves it to the new one)."""
    reply: bytes
    waiting: int = 1
    """Copies and verdicts not yet settled, plus one while the message is being routed."""
    state: int = OPEN


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool = False
    ticket: _Ticket | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Grant:
    """What an authenticated client may do."""

    name: str
    """Who it is (the account's user name): owns the sessions it creates."""
    may_subscribe: bool
    may_publish: Callable[[str, bytes], bool | Future[Any]] | None = None
    """(topic, payload) → route it? None: every publish is routed. A future: not routed, and answered
    once the future is done (the authority records the refusal durably first)."""
    credential: object = None
    """What :meth:`Authority.recheck` re-checks while the client stays connected (None: nothing)."""


class Authority(Protocol):
    def authenticate(self, username: str | None, password: bytes | None) -> Grant | int:
        """A grant, or the CONNACK return code refusing the connection. Called in a worker thread."""
        ...

    def recheck(self, grants: Sequence[Grant]) -> Sequence[bool]:
        """Whether each grant's credential is still valid. Called in a worker thread."""
        ...


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
    grant: Grant | None = None
    """The grant of the connection now using the session."""
    mids: itertools.cycle[int] = field(default_factory=lambda: itertools.cycle(range(1, 65536)))
    incoming_qos2: dict[int, _Ticket] = field(default_factory=dict)

    @property
    def connected(self) -> bool:
        return self.writer is not None


class _Refused(Exception):
    """The connection is refused before CONNACK (no session, nothing more to read)."""


class EmbeddedBroker:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        max_inflight: int = 1000,
        max_queued: int = 200_000,
        authority: Authority | None = None,
        hold: str | None = None,
        max_packet: int = 262_144,
        max_unauthenticated: int = 100,
        max_sessions: int = 10_000,
        connect_timeout: float = 5.0,
        recheck_seconds: float = 5.0,
    ) -> None:
        self.host, self.port = host, port
        self.authority = authority
        self.hold = hold
        self.max_inflight, self.max_queued = max_inflight, max_queued
        self.max_packet, self.max_unauthenticated, self.max_sessions = max_packet, max_unauthenticated, max_sessions
        self.connect_timeout, self.recheck_seconds = connect_timeout, recheck_seconds
        self._sessions: dict[str, _Session] = {}
        self._retained: dict[str, Message] = {}
        self._held: deque[Message] = deque()
        self._turn = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.dropped = 0
        self.unauthenticated = 0
        """Connections waiting for their CONNACK now."""

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
        if self.authority is not None and self.recheck_seconds > 0:
            loop.create_task(self._recheck_forever())
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()  # each connection's task closes its socket on the way out
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.run_until_complete(asyncio.sleep(0))  # the transports' closing callbacks
            loop.close()

    # one connection ----------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.unauthenticated >= self.max_unauthenticated:
            log.warning("mqtt connection refused: too many connections before CONNACK")
            writer.close()
            return
        session: _Session | None = None
        self.unauthenticated += 1
        try:
            try:
                connect, grant = await self._handshake(reader, writer)
                session = self._connect(connect, writer, grant)
            finally:
                self.unauthenticated -= 1
            timeout = connect.keepalive * 1.5 if connect.keepalive else None
            while True:
                kind, flags, body = await asyncio.wait_for(self._read(reader, self.max_packet), timeout)
                if kind == DISCONNECT:
                    return
                self._handle(session, writer, grant, kind, flags, body)
        except (
            _Refused,
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
                session.writer = session.grant = None
                if session.clean:
                    self._discard(session)
            writer.close()

    async def _handshake(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[Connect, Grant | None]:
        """The CONNECT, read within ``connect_timeout``, and its grant; raises _Refused after a refusing CONNACK."""
        kind, _flags, body = await asyncio.wait_for(
            self._read(reader, min(self.max_packet, MAX_CONNECT)), self.connect_timeout
        )
        if kind != CONNECT:
            raise ProtocolError("first packet is not CONNECT")
        connect = parse_connect(body)
        if connect.level not in (3, 4):
            await self._refuse(writer, 1)  # unacceptable protocol version
        grant = await self._authenticate(connect)
        if isinstance(grant, int):
            await self._refuse(writer, grant)
        return connect, grant

    async def _refuse(self, writer: asyncio.StreamWriter, code: int) -> NoReturn:
        writer.write(packet(CONNACK, 0, bytes([0, code])))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        raise _Refused(f"CONNACK {code}")

    async def _authenticate(self, connect: Connect) -> Grant | int | None:
        """None when there is no authority (anyone may do anything)."""
        if self.authority is None:
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self.authority.authenticate, connect.username, connect.password)
        except Exception:
            log.exception("mqtt authentication failed")
            return SERVER_UNAVAILABLE

    async def _read(self, reader: asyncio.StreamReader, limit: int) -> tuple[int, int, bytes]:
        """One packet; its declared length is checked against ``limit`` before the body is read."""
        first = (await reader.readexactly(1))[0]
        encoded = bytearray()
        while (length := remaining_length(encoded)) is None:
            encoded += await reader.readexactly(1)
        if length > limit:
            log.warning("mqtt connection closed: packet too large", extra={"bytes": length, "limit": limit})
            raise ProtocolError(f"packet of {length} bytes exceeds the limit of {limit}")
        return first >> 4, first & 0x0F, await reader.readexactly(length) if length else b""

    def _connect(self, connect: Connect, writer: asyncio.StreamWriter, grant: Grant | None) -> _Session:
        client_id, clean = connect.client_id, connect.clean
        if not client_id:
            if not clean:
                writer.write(packet(CONNACK, 0, b"\x00\x02"))  # identifier rejected
                raise _Refused("empty client id with a persistent session")
            client_id = f"auto-{next(self._turn)}-{id(writer)}"
        old = self._sessions.get(client_id)
        owner = grant.name if grant is not None else None
        if old is not None and old.owner != owner:  # nobody takes over another client's session
            writer.write(packet(CONNACK, 0, bytes([0, NOT_AUTHORISED])))
            raise _Refused("session of another client")
        if old is None and len(self._sessions) >= self.max_sessions:
            log.warning("mqtt connection refused: too many sessions", extra={"sessions": len(self._sessions)})
            writer.write(packet(CONNACK, 0, bytes([0, SERVER_UNAVAILABLE])))
            raise _Refused("too many sessions")
        if old is not None and old.writer is not None:  # take-over: the old connection goes
            old.writer.close()
            old.writer = None
        if clean or old is None:
            if old is not None:
                self._discard(old)
            session = _Session(client_id, clean, owner=owner)
            self._sessions[client_id] = session
            present = 0
        else:
            session, present = old, 1
            session.clean = False
        session.writer, session.grant = writer, grant
        writer.write(packet(CONNACK, 0, bytes([present, ACCEPTED])))
        for mid, message in session.inflight.items():  # unacknowledged before the break: again, marked DUP
            writer.write(publish(message.topic, message.payload, message.qos, message.retain, mid, dup=True))
        self._pump(session)
        return session

    def _discard(self, session: _Session) -> None:
        """Forget a session; the copies it held are given up (answered, as far as their publishers go)."""
        if self._sessions.get(session.client_id) is session:
            del self._sessions[session.client_id]
        for message in itertools.chain(session.queue, session.inflight.values()):
            if message.ticket is not None:
                self._settle(message.ticket)
        session.queue.clear()
        session.inflight.clear()

    def _handle(
        self, session: _Session, writer: asyncio.StreamWriter, grant: Grant | None, kind: int, flags: int, body: bytes
    ) -> None:
        if session.writer is not writer:
            raise ConnectionError("session taken over")
        if kind == PUBLISH:
            self._incoming(session, writer, grant, flags, body)
        elif kind == PUBACK:
            message = session.inflight.pop(struct.unpack_from("!H", body)[0], None)
            if message is not None and message.ticket is not None:
                self._settle(message.ticket)
            self._pump(session)
        elif kind == PUBREL:
            session.incoming_qos2.pop(struct.unpack_from("!H", body)[0], None)
            writer.write(packet(PUBCOMP, 0, body[:2]))
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
            writer.write(packet(SUBACK, 0, mid + bytes(granted)))
            self._pump(session)
            self._unpark()
        elif kind == UNSUBSCRIBE:
            offset = 2
            while offset < len(body):
                length = struct.unpack_from("!H", body, offset)[0]
                session.subscriptions.pop(body[offset + 2 : offset + 2 + length].decode(), None)
                offset += 2 + length
            writer.write(packet(UNSUBACK, 0, body[:2]))
        elif kind == PINGREQ:
            writer.write(packet(PINGRESP, 0, b""))
        elif kind in (PUBREC, PUBCOMP):
            pass  # the broker sends no QoS 2
        else:
            raise ProtocolError(f"unexpected packet type {kind}")

    def _incoming(
        self, session: _Session, writer: asyncio.StreamWriter, grant: Grant | None, flags: int, body: bytes
    ) -> None:
        qos = (flags >> 1) & 0x03
        length = struct.unpack_from("!H", body)[0]
        topic = body[2 : 2 + length].decode()
        offset = 2 + length
        if not qos:
            self._publish_from(grant, Message(topic, body[offset:], 0, bool(flags & 0x01)))
            return
        mid = struct.unpack_from("!H", body, offset)[0]
        if qos == 2:  # method A: routed once, on the first PUBLISH; PUBREC once it is kept
            known = session.incoming_qos2.get(mid)
            if known is not None and known.state != ABANDONED:
                if known.state == OPEN:
                    known.writer = writer  # a re-send after a reconnect: answer on the live connection
                else:
                    writer.write(known.reply)
                return
        ticket = _Ticket(writer, packet(PUBACK if qos == 1 else PUBREC, 0, struct.pack("!H", mid)))
        if qos == 2:
            session.incoming_qos2[mid] = ticket
        self._publish_from(grant, Message(topic, body[offset + 2 :], 1, bool(flags & 0x01), ticket))
        self._settle(ticket)  # the routing itself is done

    # answering publishers ----------------------------------------------------------------------
    def _settle(self, ticket: _Ticket) -> None:
        ticket.waiting -= 1
        if ticket.waiting <= 0 and ticket.state == OPEN:
            ticket.state = ANSWERED
            if not ticket.writer.is_closing():
                ticket.writer.write(ticket.reply)

    def _abandon(self, ticket: _Ticket, why: str) -> None:
        """The message could not be kept: never answered; the publisher is disconnected so that it re-sends."""
        if ticket.state != OPEN:
            return
        ticket.state = ABANDONED
        if not ticket.writer.is_closing():
            log.warning("mqtt message not kept; publisher disconnected to re-send it", extra={"why": why})
            ticket.writer.close()

    def _verdict(self, ticket: _Ticket, verdict: Future[Any]) -> None:
        if verdict.cancelled() or verdict.exception() is not None:
            self._abandon(ticket, "refusal not recorded")
        else:
            self._settle(ticket)

    # routing -----------------------------------------------------------------------------------
    def _publish_from(self, grant: Grant | None, message: Message) -> None:
        verdict = (
            True if grant is None or grant.may_publish is None else grant.may_publish(message.topic, message.payload)
        )
        ticket = message.ticket
        if isinstance(verdict, Future):
            if ticket is not None:
                ticket.waiting += 1
                loop = asyncio.get_running_loop()

                def done(future: Future[Any]) -> None:
                    with contextlib.suppress(RuntimeError):  # the broker stopped meanwhile
                        loop.call_soon_threadsafe(self._verdict, ticket, future)

                verdict.add_done_callback(done)
            return
        if (
            verdict
            and not self._route(message)
            and ticket is not None
            and self.hold
            and matches(self.hold, message.topic)
        ):
            if len(self._held) >= self.max_queued:
                self._abandon(ticket, "nobody subscribed and the hold queue is full")
                return
            ticket.waiting += 1
            self._held.append(message)

    def _unpark(self) -> None:
        """Route the held messages again (after a SUBSCRIBE); those still taken by nobody wait on."""
        held, self._held = self._held, deque()
        for message in held:
            if self._route(message):
                self._settle(message.ticket)  # type: ignore[arg-type]
            else:
                self._held.append(message)

    def _route(self, message: Message) -> bool:
        """Deliver to every matching session; False when nobody took it."""
        if message.retain:
            if message.payload:
                self._retained[message.topic] = replace(message, ticket=None)
            else:
                self._retained.pop(message.topic, None)
            message = replace(message, retain=False)
        delivered = False
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
                delivered |= self._deliver(session, message, best)
        for members in groups.values():
            online = [m for m in members if m[0].connected] or [m for m in members if not m[0].clean]
            if online:
                session, qos = online[next(self._turn) % len(online)]
                delivered |= self._deliver(session, message, qos)
        return delivered

    def _deliver(self, session: _Session, message: Message, qos: int) -> bool:
        qos = min(qos, message.qos)
        if not session.connected and (qos == 0 or session.clean):
            return False
        if len(session.queue) >= self.max_queued:
            self.dropped += 1
            log.warning("mqtt queue full, message dropped", extra={"client": session.client_id})
            if message.ticket is not None:
                self._abandon(message.ticket, "subscriber queue full")
            return False
        if qos < message.qos:
            message = Message(message.topic, message.payload, qos)
        elif message.ticket is not None:
            message.ticket.waiting += 1
        session.queue.append(message)
        self._pump(session)
        return True

    def _pump(self, session: _Session) -> None:
        writer = session.writer
        if writer is None:
            return
        while session.queue and len(session.inflight) < self.max_inflight:
            message = session.queue.popleft()
            if message.qos == 0:
                writer.write(publish(message.topic, message.payload, 0, message.retain, None))
                continue
            mid = next(session.mids)
            while mid in session.inflight:
                mid = next(session.mids)
            session.inflight[mid] = message
            writer.write(publish(message.topic, message.payload, message.qos, message.retain, mid))

    def _send_retained(self, session: _Session, topic_filter: str, qos: int) -> None:
        real = topic_filter.split("/", 2)[2] if topic_filter.startswith("$share/") else topic_filter
        for topic, message in self._retained.items():
            if matches(real, topic):
                session.queue.append(Message(topic, message.payload, min(qos, message.qos), retain=True))

    # credentials of connected clients ------------------------------------------------------------
    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                await self.recheck()
            except Exception:  # a database hiccup: try again at the next round
                log.exception("mqtt credential re-check failed")

    async def recheck(self) -> int:
        """Disconnect every client whose credential is no longer valid; returns how many."""
        if self.authority is None:
            return 0
        live = [
            (session, session.writer, session.grant)
            for session in self._sessions.values()
            if session.writer is not None and session.grant is not None and session.grant.credential is not None
        ]
        if not live:
            return 0
        grants = [grant for _session, _writer, grant in live]
        verdicts = await asyncio.get_running_loop().run_in_executor(None, self.authority.recheck, grants)
        closed = 0
        for (session, writer, grant), valid in zip(live, verdicts, strict=True):
            if not valid and session.writer is writer and writer is not None:
                log.info(
                    "mqtt connection closed: credential no longer valid",
                    extra={"client": session.client_id, "username": grant.name if grant else None},
                )
                writer.close()
                closed += 1
        return closed
