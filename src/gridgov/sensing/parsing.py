"""Turning raw input (an MQTT message, an HTTP item, a CSV row) into readings or refusals. Pure, no I/O.

Nothing here raises on bad input: every piece of input ends as a :class:`Reading` (to be checked against
the station catalogue by the writer) or a :class:`Refusal` (to be dead-lettered with its reason).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

MAX_STORED_PAYLOAD = 4096
"""Bytes of a refused payload kept in the dead-letter table."""


@dataclass(frozen=True, slots=True)
class Reading:
    station: str
    property: str
    time: datetime
    value: float
    unit: str | None
    where: str
    """Where it came from, for a refusal: the topic, ``observations[3]`` or ``file.csv:12``."""
    raw: bytes
    """The input it came from, truncated to what a dead letter keeps."""
    size: int
    """The size of that input before truncation."""


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: str
    reason: str
    """Chinese first, English in parentheses."""
    where: str
    raw: bytes
    size: int
    column: str | None = None
    """For CSV error reports: the offending column."""


class Malformed(Exception):
    def __init__(self, kind: str, reason: str, column: str | None = None) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.column = kind, reason, column


REASONS = {
    "bad_json": "JSON格式错误 (not valid JSON)",
    "bad_shape": "报文结构错误 (expected an object with time and value, or a list of them)",
    "bad_topic": "主题格式错误 (topic is not <prefix>/<county>/stations/<station>/<property>)",
    "missing_field": "缺少字段 (missing field)",
    "bad_time": "时间格式错误 (time is not ISO 8601 or epoch seconds)",
    "not_a_number": "数值不是有限数字 (value is not a finite number)",
    "bad_unit": "单位格式错误 (unit must be a string)",
}


def _clip(raw: bytes) -> bytes:
    return raw[:MAX_STORED_PAYLOAD]


def refusal(kind: str, reason: str, where: str, raw: bytes, column: str | None = None) -> Refusal:
    return Refusal(kind, reason, where, _clip(raw), len(raw), column)


def parse_time(value: Any, naive_zone: str = "Asia/Shanghai") -> datetime:
    """ISO 8601 (an offset or Z; a naive time is read in ``naive_zone``) or epoch seconds (ms when huge)."""
    if isinstance(value, bool) or value is None:
        raise Malformed("bad_time", REASONS["bad_time"], "time")
    if isinstance(value, int | float):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise Malformed("bad_time", REASONS["bad_time"], "time")
        if abs(seconds) > 1e11:  # milliseconds
            seconds /= 1000
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Malformed("bad_time", REASONS["bad_time"], "time") from exc
    if not isinstance(value, str) or not 8 <= len(value) <= 40:
        raise Malformed("bad_time", REASONS["bad_time"], "time")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Malformed("bad_time", REASONS["bad_time"], "time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(naive_zone))
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise Malformed("bad_time", REASONS["bad_time"], "time") from exc


def parse_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed("not_a_number", REASONS["not_a_number"], "value")
    try:
        number = float(value)
    except OverflowError as exc:  # an integer too large for a float
        raise Malformed("not_a_number", REASONS["not_a_number"], "value") from exc
    if not math.isfinite(number):
        raise Malformed("not_a_number", REASONS["not_a_number"], "value")
    return number


def parse_unit(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 20:
        raise Malformed("bad_unit", REASONS["bad_unit"], "unit")
    return value.strip() or None


def _reading(item: Any, station: str, prop: str, where: str, raw: bytes, naive_zone: str) -> Reading | Refusal:
    """``raw`` is the item's input, untruncated."""
    try:
        if not isinstance(item, dict):
            raise Malformed("bad_shape", REASONS["bad_shape"])
        for key in ("time", "value"):
            if key not in item:
                raise Malformed("missing_field", f"缺少字段{key} (missing field {key})", key)
        return Reading(
            station=station,
            property=prop,
            time=parse_time(item["time"], naive_zone),
            value=parse_value(item["value"]),
            unit=parse_unit(item.get("unit")),
            where=where,
            raw=_clip(raw),
            size=len(raw),
        )
    except Malformed as exc:
        return refusal(exc.kind, exc.reason, where, raw, exc.column)


def _item_bytes(item: Any, whole: bytes) -> bytes:
    try:
        return json.dumps(item, ensure_ascii=False, default=str).encode()
    except (TypeError, ValueError, RecursionError):
        return whole


def split_topic(topic: str, prefix: str) -> tuple[str, str, str] | None:
    """(county, station, property) of ``<prefix>/<county>/stations/<station>/<property>``, else None."""
    head = prefix.strip("/") + "/"
    if not topic.startswith(head):
        return None
    parts = topic[len(head) :].split("/")
    if len(parts) != 4 or parts[1] != "stations" or not all(parts) or any(p in ("+", "#") for p in parts):
        return None
    return parts[0], parts[2], parts[3]


def parse_mqtt(topic: str, payload: bytes, prefix: str, naive_zone: str = "Asia/Shanghai") -> list[Reading | Refusal]:
    """One MQTT message: ``{"time":…, "value":…, "unit":…}`` or a list of them, on a station's topic."""
    where = topic[:300]
    parts = split_topic(topic, prefix)
    if parts is None:
        return [refusal("bad_topic", REASONS["bad_topic"], where, payload)]
    _county, station, prop = parts
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return [refusal("bad_json", REASONS["bad_json"], where, payload)]
    if isinstance(data, list):
        if not data:
            return [refusal("bad_shape", REASONS["bad_shape"], where, payload)]
        return [_reading(item, station, prop, where, _item_bytes(item, payload), naive_zone) for item in data]
    return [_reading(data, station, prop, where, payload, naive_zone)]


def parse_items(items: Any, whole: bytes, naive_zone: str = "Asia/Shanghai") -> list[Reading | Refusal]:
    """The items of an HTTP batch: each names its station and property."""
    if not isinstance(items, list):
        return [refusal("bad_shape", 'observations应为列表 (expected {"observations": [...]})', "body", whole)]
    out: list[Reading | Refusal] = []
    for index, item in enumerate(items):
        where = f"observations[{index}]"
        raw = _item_bytes(item, whole)
        if not isinstance(item, dict):
            out.append(refusal("bad_shape", REASONS["bad_shape"], where, raw))
            continue
        station, prop = item.get("station"), item.get("property")
        if not isinstance(station, str) or not station or not isinstance(prop, str) or not prop:
            column = "station" if not isinstance(station, str) or not station else "property"
            out.append(refusal("missing_field", f"缺少字段{column} (missing field {column})", where, raw, column))
            continue
        out.append(_reading(item, station[:40], prop[:40], where, raw, naive_zone))
    return out
