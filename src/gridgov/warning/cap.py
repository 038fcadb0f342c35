"""OASIS CAP 1.2 messages and the Atom feed of current alerts (pure, no I/O).

One warning's life is a chain of CAP messages: ``Alert`` when issued, ``Update`` when upgraded, downgraded or
renewed, ``Cancel`` when all clear; each later message ``references`` the earlier ones (``sender,identifier,
sent`` triples). Fixed elements follow the China profile (reference/early-warning.md §1.4): ``scope=Public``,
``category=Geo``, ``event=地质灾害气象风险预警``, ``language=zh-CN``; ``status=Actual``, or ``Exercise`` for drills.

Colour → CAP (our mapping, from the reference's proposal; to be checked against GB/T 35965.1):

======  ========  =========  ==========================================  ============
colour  severity  urgency    certainty                                   responseType
======  ========  =========  ==========================================  ============
红 red   Extreme   Immediate  Observed (gauge-triggered) / Likely (forecast)  Evacuate
橙 orange Severe   Expected   Likely                                      Prepare
黄 yellow Moderate Expected   Possible                                    Monitor
蓝 blue   Minor    Future     Possible                                    Monitor
解除 all clear (Cancel)  Minor  Past  Observed                             AllClear
======  ========  =========  ==========================================  ============

Identifiers follow GB/T 35965.1's ``ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N`` (31 characters): region code (330111),
organisation code, sub-unit code, extension code, Beijing time, sequence digit. A storm can need more than
ten messages in one second, so the extension code ``XX`` carries the tens and hundreds of the within-second
sequence and ``N`` its units (sequence 0–999 per second and sender).

Times carry ``+08:00`` (CAP forbids ``Z``); polygons are ``lat,lon`` pairs (WGS-84) in a closed ring; a point
zone is sent as a circle ``lat,lon radius_km``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from gridgov.kit.time import to_local
from gridgov.warning.enums import Colour

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"
EVENT = "地质灾害气象风险预警"
IDENTIFIER = re.compile(r"^(\d{6})(\d{3})(\d{3})(\d{2})_(\d{14})_(\d)$")


class MsgType(StrEnum):
    alert = "Alert"
    update = "Update"
    cancel = "Cancel"


class Status(StrEnum):
    actual = "Actual"
    exercise = "Exercise"
    """Drills (演练)."""
    test = "Test"


@dataclass(frozen=True)
class Response:
    severity: str
    urgency: str
    certainty: str
    response: str


def response_for(colour: Colour | None, *, forecast: bool = False) -> Response:
    """Severity/urgency/certainty/responseType of a colour; ``None`` is the all clear of a Cancel."""
    if colour is None:
        return Response("Minor", "Past", "Observed", "AllClear")
    return {
        Colour.red: Response("Extreme", "Immediate", "Likely" if forecast else "Observed", "Evacuate"),
        Colour.orange: Response("Severe", "Expected", "Likely", "Prepare"),
        Colour.yellow: Response("Moderate", "Expected", "Possible", "Monitor"),
        Colour.blue: Response("Minor", "Future", "Possible", "Monitor"),
    }[colour]


def cap_time(value: datetime) -> str:
    """``2026-06-20T08:00:00+08:00``: Beijing time, whole seconds, explicit offset."""
    if value.tzinfo is None:
        raise ValueError("CAP times need a timezone")
    return to_local(value).replace(microsecond=0).isoformat()


def cap_identifier(region: str, org: str, unit: str, sent: datetime, sequence: int) -> str:
    """GB/T 35965.1 identifier; ``sequence`` (0–999) numbers the messages of one second."""
    if not 0 <= sequence < 1000:
        raise ValueError(f"同一秒内消息序号超出范围 (sequence must be 0–999): {sequence}")
    text = f"{region}{org}{unit}{sequence // 10:02d}_{to_local(sent):%Y%m%d%H%M%S}_{sequence % 10}"
    if not IDENTIFIER.match(text):
        raise ValueError(f"标识符格式错误 (malformed identifier): {text}")
    return text


def identifier_prefix(region: str, org: str, unit: str, sent: datetime) -> tuple[str, str]:
    """The fixed parts around the sequence: (``ZZZZZZDDDUUU``, ``_YYYYMMDDhhmmss_``) — for allocating."""
    return f"{region}{org}{unit}", f"_{to_local(sent):%Y%m%d%H%M%S}_"


@dataclass(frozen=True)
class Reference:
    sender: str
    identifier: str
    sent: datetime

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


@dataclass(frozen=True)
class Area:
    """``polygons`` are rings of (lon, lat) as in GeoJSON; ``circles`` are (lon, lat, radius km)."""

    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[tuple[float, float, float], ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


def area_from_geojson(
    description: str, geometry: dict[str, Any], geocodes: Sequence[tuple[str, str]], point_radius_km: float
) -> Area:
    """Polygon → its outer ring; MultiPolygon → one ring per part; Point → a circle."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Point" and isinstance(coords, list):
        lon, lat = float(coords[0]), float(coords[1])
        return Area(description, circles=((lon, lat, point_radius_km),), geocodes=tuple(geocodes))
    if kind == "Polygon" and isinstance(coords, list):
        rings = [coords[0]]
    elif kind == "MultiPolygon" and isinstance(coords, list):
        rings = [part[0] for part in coords]
    else:
        raise ValueError(f"不支持的几何类型 (unsupported geometry): {kind}")
    polygons = tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in rings)
    return Area(description, polygons=polygons, geocodes=tuple(geocodes))


def polygon_text(ring: Sequence[tuple[float, float]]) -> str:
    """CAP polygon: ``lat,lon`` pairs, space-separated, the ring closed (first = last), at least 4 points."""
    points = list(ring)
    if points and points[0] != points[-1]:
        points.append(points[0])
    if len(points) < 4:
        raise ValueError("CAP多边形至少需要4个点且首尾相同 (a CAP polygon needs ≥ 4 points, closed)")
    return " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in points)


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType
    colour: Colour | None
    """The warning's colour; None on a Cancel (all clear)."""
    headline: str
    description: str
    area: Area
    sender_name: str
    status: Status = Status.actual
    references: tuple[Reference, ...] = ()
    instruction: str = ""
    expires: datetime | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    forecast: bool = False
    web: str | None = None
    contact: str | None = None
    note: str = ""


_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        element.text = xml_text(text)
    return element


def _pair(parent: ET.Element, name: str, value_name: str, value: str) -> None:
    element = _sub(parent, name)
    _sub(element, "valueName", value_name)
    _sub(element, "value", value)


def build_alert(message: CapMessage) -> bytes:
    """The CAP 1.2 XML of one message (UTF-8, with declaration), elements in the schema's order."""
    if not IDENTIFIER.match(message.identifier):
        raise ValueError(f"标识符不符合GB/T 35965.1格式 (identifier pattern): {message.identifier}")
    if message.msg_type is not MsgType.alert and not message.references:
        raise ValueError("Update/Cancel须引用之前的消息 (Update and Cancel need references)")
    if message.msg_type is MsgType.cancel and message.colour is not None:
        raise ValueError("Cancel has no colour")
    if message.msg_type is not MsgType.cancel and message.colour is None:
        raise ValueError("Alert/Update need a colour")
    if not message.area.polygons and not message.area.circles and not message.area.geocodes:
        raise ValueError("区域须有多边形、圆或地理编码 (area needs a polygon, circle or geocode)")
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", message.identifier)
    _sub(alert, "sender", message.sender)
    _sub(alert, "sent", cap_time(message.sent))
    _sub(alert, "status", message.status.value)
    _sub(alert, "msgType", message.msg_type.value)
    _sub(alert, "scope", "Public")
    if message.note:
        _sub(alert, "note", message.note)
    if message.references:
        _sub(alert, "references", " ".join(r.text() for r in message.references))
    info = _sub(alert, "info")
    _sub(info, "language", "zh-CN")
    _sub(info, "category", "Geo")
    _sub(info, "event", EVENT)
    response = response_for(message.colour, forecast=message.forecast)
    _sub(info, "responseType", response.response)
    _sub(info, "urgency", response.urgency)
    _sub(info, "severity", response.severity)
    _sub(info, "certainty", response.certainty)
    if message.colour is not None:
        _pair(info, "eventCode", "预警颜色", message.colour.label)
        _pair(info, "eventCode", "预警级别", message.colour.level)
    _sub(info, "effective", cap_time(message.sent))
    if message.expires is not None:
        _sub(info, "expires", cap_time(message.expires))
    _sub(info, "senderName", message.sender_name)
    _sub(info, "headline", message.headline)
    _sub(info, "description", message.description)
    if message.instruction:
        _sub(info, "instruction", message.instruction)
    if message.web:
        _sub(info, "web", message.web)
    if message.contact:
        _sub(info, "contact", message.contact)
    for name, value in message.parameters:
        _pair(info, "parameter", name, value)
    area = _sub(info, "area")
    _sub(area, "areaDesc", message.area.description)
    for ring in message.area.polygons:
        _sub(area, "polygon", polygon_text(ring))
    for lon, lat, radius in message.area.circles:
        _sub(area, "circle", f"{lat:.6f},{lon:.6f} {radius:g}")
    for name, value in message.area.geocodes:
        _pair(area, "geocode", name, value)
    ET.indent(alert)
    xml: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NS)
    return xml


@dataclass(frozen=True)
class FeedEntry:
    identifier: str
    title: str
    updated: datetime
    summary: str
    cap_url: str
    """Where this alert's CAP XML is served."""


def build_feed(
    entries: Sequence[FeedEntry], *, feed_id: str, title: str, self_url: str, author: str, updated: datetime
) -> bytes:
    """An Atom 1.0 feed of the current alerts; each entry links its CAP XML (``rel=alternate``,
    ``type=application/cap+xml``)."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})  # plain names + xmlns: ElementTree cannot mix a default
    # namespace with unqualified attributes (rel, href)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, name, attrs)
        if text is not None:
            element.text = xml_text(text)
        return element

    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", cap_time(max([updated, *(e.updated for e in entries)])))
    sub(sub(feed, "author"), "name", author)
    sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:cap:{e.identifier}")
        sub(entry, "title", e.title)
        sub(entry, "updated", cap_time(e.updated))
        sub(entry, "summary", e.summary)
        sub(entry, "link", rel="alternate", href=e.cap_url, type=CAP_MIME)
    ET.indent(feed)
    xml: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return xml
