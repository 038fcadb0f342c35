"""MQTT 3.1.1 on the wire, as far as the embedded broker needs it: packet types, the fixed header, CONNECT.
Pure, no I/O."""

from __future__ import annotations

import struct
from dataclasses import dataclass

ACCEPTED, SERVER_UNAVAILABLE, BAD_CREDENTIALS, NOT_AUTHORISED = 0, 3, 4, 5
"""CONNACK return codes (MQTT 3.1.1 §3.2.2.3)."""
SUBSCRIPTION_REFUSED = 0x80
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14


class ProtocolError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Connect:
    level: int
    clean: bool
    keepalive: int
    client_id: str
    username: str | None
    password: bytes | None


def parse_connect(body: bytes) -> Connect:
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
    return Connect(level, bool(flags & 0x02), keepalive, client_id.decode(), username, password)


def remaining_length(encoded: bytes | bytearray) -> int | None:
    """The fixed header's remaining length from its 1–4 bytes; None while more bytes are needed."""
    length, multiplier = 0, 1
    for index, byte in enumerate(encoded):
        length += (byte & 0x7F) * multiplier
        if not byte & 0x80:
            return length
        if index == 3:
            raise ProtocolError("malformed remaining length")
        multiplier *= 128
    return None


def string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def packet(kind: int, flags: int, body: bytes) -> bytes:
    length, header = len(body), bytearray([(kind << 4) | flags])
    while True:
        byte, length = length % 128, length // 128
        header.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(header) + body


def publish(topic: str, payload: bytes, qos: int, retain: bool, mid: int | None, dup: bool = False) -> bytes:
    flags = (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = string(topic) + (struct.pack("!H", mid) if mid is not None else b"") + payload
    return packet(PUBLISH, flags, body)


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
