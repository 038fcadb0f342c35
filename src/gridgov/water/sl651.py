"""SL 651-2014《水文监测数据通信规约》 codec, HEX/BCD mode: bytes in, typed frames and reports out.

Pure: no I/O. `decode` checks the frame (start 7E7E, length, STX, end character, CRC-16/Modbus, BCD
fields); `decode_report` reads the text of a report (30H–34H); `encode_report` builds an uplink
report (tests, frame generator); `acknowledge` is the centre's downlink reply; `split_stream` cuts
whole frames out of a TCP byte stream. What is supported and the sources: docs/sl651.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from gridgov.water.sl651_elements import ELEMENTS, REPORT_FUNCTIONS, ElementSpec, unknown_spec

__all__ = [
    "ACK",
    "CST",
    "ENQ",
    "EOT",
    "ESC",
    "ETB",
    "ETX",
    "Element",
    "Frame",
    "FrameError",
    "Report",
    "SeriesElement",
    "acknowledge",
    "crc16",
    "decode",
    "decode_report",
    "encode_frame",
    "encode_report",
    "split_stream",
]

START = b"\x7e\x7e"
STX = 0x02
SYN = 0x16
ETX = 0x03  # 报文结束, 后续无报文
ETB = 0x17  # 报文结束, 后续有报文
ENQ = 0x05  # 询问
EOT = 0x04  # 传输结束, 退出
ACK = 0x06  # 肯定确认, 继续发送
NAK = 0x15  # 否定应答, 重发
ESC = 0x1B  # 传输结束, 终端保持在线
END_CHARS = frozenset({ETX, ETB, ENQ, EOT, ACK, NAK, ESC})
HEADER = 14  # 7E7E + centre + station(5) + password(2) + function + length(2) + STX
OVERHEAD = HEADER + 3  # + end character + CRC(2)
MAX_TEXT = 0xFFF
CST = timezone(timedelta(hours=8), "CST")  # RTUs send Beijing time
SERIES_COUNT = 12


class FrameError(ValueError):
    """A frame that cannot be accepted. `reason` is a short stable token (bad start, truncated,
    length mismatch, bad CRC, unknown control char, bad BCD, bad time, bad text, unsupported)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"SL651 报文无效 / invalid frame: {reason}" + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Frame:
    """One checked HEX/BCD frame. `text` is the part after serial number and send time, before the end
    character (the report's elements for 30H–34H)."""

    central: int  # 中心站地址, 1–255
    station: str  # 遥测站地址, 10 BCD digits
    password: int  # 密码, 2 bytes
    function: int  # 功能码
    uplink: bool
    serial: int  # 流水号
    sent_at: datetime  # 发报时间 (CST)
    text: bytes
    end: int  # ETX/ETB/ENQ/EOT/ACK/NAK/ESC
    raw: bytes = field(repr=False, compare=False, default=b"")


@dataclass(frozen=True)
class Element:
    identifier: str
    name: str
    unit: str
    property: str | None
    value: Decimal | None  # None: the station sent the "no data" pattern (all FF)
    observed_at: datetime
    size: int = 0  # bytes on the wire; 0 = the table's default (encoding)
    decimals: int = -1  # -1 = the table's default


@dataclass(frozen=True)
class SeriesElement:
    """Equally spaced values (F4H–FCH five-minute series, or a 31H report after a time step).
    values[i] is the reading of the step ending at `start + (i + 1) · step`."""

    identifier: str
    name: str
    unit: str
    property: str | None
    step: timedelta
    start: datetime
    values: tuple[Decimal | None, ...]
    size: int = 0
    decimals: int = -1


@dataclass(frozen=True)
class Report:
    station: str
    station_type: int  # 遥测站分类码, e.g. 0x48 河道 (STATION_TYPES)
    observed_at: datetime
    elements: tuple[Element, ...]
    series: tuple[SeriesElement, ...] = ()
    function: int = 0x32
    serial: int = 0
    sent_at: datetime | None = None


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """CRC-16/Modbus: reflected polynomial 0xA001, initial 0xFFFF; sent high byte first (one table lookup per
    byte instead of eight shifts)."""
    crc = 0xFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


# ---- BCD and time fields -------------------------------------------------------------------


def _bcd_digits(data: bytes, what: str) -> str:
    text = data.hex()
    if not text.isdigit():
        raise FrameError("bad BCD", f"{what}: {data.hex().upper()}")
    return text


def _to_bcd(digits: str) -> bytes:
    return bytes.fromhex(digits)


def _time(data: bytes, what: str) -> datetime:
    digits = _bcd_digits(data, what)
    parts = [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    while len(parts) < 6:
        parts.append(0)
    year, month, day, hour, minute, second = parts
    try:
        return datetime(2000 + year, month, day, hour, minute, second, tzinfo=CST)
    except ValueError as exc:
        raise FrameError("bad time", f"{what}: {digits}") from exc


def _time_bytes(moment: datetime, with_seconds: bool) -> bytes:
    local = moment.replace(tzinfo=CST) if moment.tzinfo is None else moment.astimezone(CST)
    if not 2000 <= local.year <= 2099:
        raise ValueError(f"year out of range for SL651: {local.year}")
    text = local.strftime("%y%m%d%H%M%S" if with_seconds else "%y%m%d%H%M")
    return _to_bcd(text)


def _check_station(station: str) -> str:
    if len(station) != 10 or not station.isdigit():
        raise ValueError(f"遥测站地址须为 10 位数字 / station address must be 10 digits: {station!r}")
    return station


# ---- frames ----------------------------------------------------------------------------------


def encode_frame(
    *,
    central: int,
    station: str,
    password: int,
    function: int,
    serial: int,
    sent_at: datetime,
    text: bytes = b"",
    uplink: bool = True,
    end: int = ETX,
) -> bytes:
    """Build one HEX/BCD frame with its CRC. Uplink header: centre then station; downlink: station
    then centre (SL 651-2014 表 20/21)."""
    if not 0 <= central <= 0xFF or not 0 <= password <= 0xFFFF or not 0 <= serial <= 0xFFFF:
        raise ValueError("central/password/serial out of range")
    if end not in END_CHARS:
        raise ValueError(f"unknown end character {end:#04x}")
    body = serial.to_bytes(2, "big") + _time_bytes(sent_at, True) + text
    if len(body) > MAX_TEXT:
        raise ValueError(f"text too long for one frame: {len(body)} > {MAX_TEXT}")
    address = _to_bcd(_check_station(station))
    head = bytes([central]) + address if uplink else address + bytes([central])
    length = (0 if uplink else 0x8000) | len(body)
    frame = START + head + password.to_bytes(2, "big") + bytes([function]) + length.to_bytes(2, "big")
    frame += bytes([STX]) + body + bytes([end])
    return frame + crc16(frame).to_bytes(2, "big")


def _expected_length(data: bytes) -> int:
    """Total frame length announced by a header (needs ≥ 14 bytes); raises on a bad header."""
    flag = data[11] >> 4
    if flag not in (0x0, 0x8):
        raise FrameError("bad header", f"up/down flag {flag:X}")
    if data[13] == SYN:
        raise FrameError("unsupported", "multi-packet frame (SYN) / 不支持多包传输")
    if data[13] != STX:
        raise FrameError("unknown control char", f"start of text {data[13]:#04x}")
    return OVERHEAD + (((data[11] & 0x0F) << 8) | data[12])


def decode(data: bytes) -> Frame:
    """Check and parse one whole frame."""
    if not data:
        raise FrameError("truncated", "no bytes")
    if data[:2] != START[: len(data[:2])]:
        raise FrameError("bad start", data[:2].hex().upper())
    if len(data) < HEADER:
        raise FrameError("truncated", f"{len(data)} bytes, header needs {HEADER}")
    total = _expected_length(data)
    if len(data) < total:
        raise FrameError("truncated", f"{len(data)} bytes, length field says {total}")
    if len(data) > total:
        raise FrameError("length mismatch", f"{len(data)} bytes, length field says {total}")
    if total - OVERHEAD < 8:
        raise FrameError("length mismatch", "text shorter than serial number and send time")
    expected, sent = crc16(data[:-2]), int.from_bytes(data[-2:], "big")
    if expected != sent:
        raise FrameError("bad CRC", f"sent {sent:04X}, computed {expected:04X}")
    end = data[-3]
    if end not in END_CHARS:
        raise FrameError("unknown control char", f"end {end:#04x}")
    uplink = data[11] >> 4 == 0
    central, address = (data[2], data[3:8]) if uplink else (data[7], data[2:7])
    return Frame(
        central=central,
        station=_bcd_digits(address, "station address"),
        password=int.from_bytes(data[8:10], "big"),
        function=data[10],
        uplink=uplink,
        serial=int.from_bytes(data[14:16], "big"),
        sent_at=_time(data[16:22], "send time"),
        text=data[22:-3],
        end=end,
        raw=data,
    )


def acknowledge(frame: Frame, *, end: int = ESC, sent_at: datetime | None = None) -> bytes:
    """The centre's downlink confirmation: same function code and serial number, empty text. ESC
    keeps the station online (TCP link stays open), EOT lets it hang up."""
    return encode_frame(
        central=frame.central,
        station=frame.station,
        password=frame.password,
        function=frame.function,
        serial=frame.serial,
        sent_at=sent_at or frame.sent_at,
        uplink=False,
        end=end,
    )


def split_stream(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Cut whole frames from the front of a byte stream; return them and the unconsumed rest.

    Bytes before a 7E7E are dropped; a 7E7E whose header is impossible (up/down flag, STX) is skipped
    as garbage. A frame is cut by its length field; its CRC is checked later by `decode`, so a corrupt
    frame is still handed on whole (to be dead-lettered)."""
    frames: list[bytes] = []
    pos = 0
    while True:
        start = buffer.find(START, pos)
        if start < 0:
            tail = buffer[-1:] if buffer[-1:] == START[:1] else b""
            return frames, tail
        if len(buffer) - start < HEADER:
            return frames, buffer[start:]
        try:
            total = _expected_length(buffer[start:])
        except FrameError:
            pos = start + 1
            continue
        if len(buffer) - start < total:
            return frames, buffer[start:]
        frames.append(buffer[start : start + total])
        pos = start + total


# ---- report text -----------------------------------------------------------------------------


def _number(raw: bytes, decimals: int, what: str) -> Decimal | None:
    if all(b == 0xFF for b in raw):
        return None
    negative = raw[0] == 0xFF
    digits = _bcd_digits(raw[1:] if negative else raw, what)
    value = Decimal(int(digits or "0")).scaleb(-decimals)
    return -value if negative else value


def _number_bytes(value: Decimal | None, size: int, decimals: int, what: str) -> bytes:
    if value is None:
        return b"\xff" * size
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what}: {value} has more than {decimals} decimals")
    magnitude = abs(int(scaled))
    width = 2 * (size - 1) if value < 0 else 2 * size
    digits = f"{magnitude:0{width}d}"
    if len(digits) > width or width == 0:
        raise ValueError(f"{what}: {value} does not fit {size} bytes")
    return (b"\xff" if value < 0 else b"") + _to_bcd(digits)


def _series_values(raw: bytes, size: int, decimals: int) -> tuple[Decimal | None, ...]:
    values: list[Decimal | None] = []
    for i in range(0, len(raw), size):
        chunk = raw[i : i + size]
        values.append(
            None if all(b == 0xFF for b in chunk) else Decimal(int.from_bytes(chunk, "big")).scaleb(-decimals)
        )
    return tuple(values)


def _step(raw: bytes) -> timedelta:
    digits = _bcd_digits(raw, "time step")
    if len(digits) != 6:
        raise FrameError("bad text", f"time step must be 3 bytes DDhhmm: {raw.hex().upper()}")
    step = timedelta(days=int(digits[0:2]), hours=int(digits[2:4]), minutes=int(digits[4:6]))
    if not step:
        raise FrameError("bad text", "time step 000000")
    return step


def decode_report(frame: Frame, extra: Mapping[str, ElementSpec] | None = None) -> Report:
    """Read the text of a report frame (30H–34H). `extra` adds or overrides element identifiers
    (provincial extensions); unknown identifiers still decode by their data-type byte."""
    if frame.function not in REPORT_FUNCTIONS:
        raise FrameError("unsupported", f"function {frame.function:02X}H carries no report")
    table = {**ELEMENTS, **(extra or {})}
    text = frame.text
    if len(text) < 14 or text[0:2] != b"\xf1\xf1" or text[8:10] != b"\xf0\xf0":
        raise FrameError("bad text", "expected F1F1 station address, station type, F0F0 observation time")
    station = _bcd_digits(text[2:7], "station address in text")
    if station != frame.station:
        raise FrameError("bad text", f"station {station} in text differs from header {frame.station}")
    station_type = text[7]
    observed = first_observed = _time(text[10:15], "observation time")
    elements: list[Element] = []
    series: list[SeriesElement] = []
    step: timedelta | None = None
    pos = 15
    while pos < len(text):
        if text[pos : pos + 2] == b"\xf0\xf0":
            if pos + 7 > len(text):
                raise FrameError("bad text", "observation time cut short")
            observed = _time(text[pos + 2 : pos + 7], "observation time")
            pos += 7
            continue
        if text[pos] == 0xFF:
            identifier, pos = text[pos : pos + 2].hex().upper(), pos + 2
        else:
            identifier, pos = f"{text[pos]:02X}", pos + 1
        if pos >= len(text):
            raise FrameError("bad text", f"element {identifier}H has no data-type byte")
        size, decimals = text[pos] >> 3, text[pos] & 0x07
        pos += 1
        spec = table.get(identifier) or unknown_spec(identifier, size, decimals)
        if step is not None:  # 31H: the element after the time step runs to the end of the text
            raw = text[pos:]
            if size == 0 or len(raw) % size:
                raise FrameError("bad text", f"series {identifier}H is not a whole number of values")
            values = tuple(_number(raw[i : i + size], decimals, identifier) for i in range(0, len(raw), size))
            start = observed - step  # the first value is the one observed at the observation time
            series.append(
                SeriesElement(identifier, spec.name, spec.unit, spec.property, step, start, values, size, decimals)
            )
            break
        raw = text[pos : pos + size]
        if len(raw) < size:
            raise FrameError("bad text", f"element {identifier}H cut short")
        pos += size
        if spec.kind == "step":
            step = _step(raw)
        elif spec.kind == "series":
            if size % spec.size:
                raise FrameError("bad text", f"series {identifier}H is not a whole number of values")
            count = size // spec.size
            values = _series_values(raw, spec.size, spec.decimals)
            interval = timedelta(minutes=5)
            series.append(
                SeriesElement(
                    identifier,
                    spec.name,
                    spec.unit,
                    spec.property,
                    interval,
                    observed - interval * count,
                    values,
                    spec.size,
                    spec.decimals,
                )
            )
        elif spec.kind == "hex":
            value = Decimal(int.from_bytes(raw, "big"))
            elements.append(Element(identifier, spec.name, spec.unit, spec.property, value, observed, size, decimals))
        else:
            value_ = _number(raw, decimals, identifier)
            elements.append(Element(identifier, spec.name, spec.unit, spec.property, value_, observed, size, decimals))
    return Report(
        station=station,
        station_type=station_type,
        observed_at=first_observed,
        elements=tuple(elements),
        series=tuple(series),
        function=frame.function,
        serial=frame.serial,
        sent_at=frame.sent_at,
    )


def _element_bytes(element: Element, table: Mapping[str, ElementSpec]) -> bytes:
    spec = table.get(element.identifier)
    size = element.size or (spec.size if spec else 0)
    decimals = element.decimals if element.decimals >= 0 else (spec.decimals if spec else 0)
    if not 1 <= size <= 31 or not 0 <= decimals <= 7:
        raise ValueError(f"element {element.identifier}: size/decimals unknown or out of range")
    head = bytes.fromhex(element.identifier) + bytes([size << 3 | decimals])
    if spec is not None and spec.kind == "hex":
        value = int(element.value or 0)
        return head + value.to_bytes(size, "big")
    return head + _number_bytes(element.value, size, decimals, element.identifier)


def _series_bytes(series: SeriesElement, table: Mapping[str, ElementSpec]) -> bytes:
    spec = table.get(series.identifier)
    if spec is None or spec.kind != "series" or len(series.values) != SERIES_COUNT:
        raise ValueError(f"series {series.identifier}: only F4H–FCH with 12 values can be encoded")
    out = bytearray(bytes.fromhex(series.identifier) + bytes([(spec.size * SERIES_COUNT) << 3]))
    limit = 1 << (8 * spec.size)
    for value in series.values:
        if value is None:
            out += b"\xff" * spec.size
            continue
        scaled = value.scaleb(spec.decimals)
        if scaled != scaled.to_integral_value() or not 0 <= int(scaled) < limit - 1:
            raise ValueError(f"series {series.identifier}: {value} not encodable")
        out += int(scaled).to_bytes(spec.size, "big")
    return bytes(out)


def encode_report(
    report: Report,
    *,
    central: int = 1,
    password: int = 0,
    end: int = ETX,
    extra: Mapping[str, ElementSpec] | None = None,
) -> bytes:
    """Build an uplink report frame (the station side: tests and the frame generator). Elements are
    written first, then five-minute series; all under the report's observation time."""
    table = {**ELEMENTS, **(extra or {})}
    text = bytearray(b"\xf1\xf1" + _to_bcd(_check_station(report.station)) + bytes([report.station_type]))
    text += b"\xf0\xf0" + _time_bytes(report.observed_at, False)
    for element in report.elements:
        text += _element_bytes(element, table)
    for series in report.series:
        text += _series_bytes(series, table)
    return encode_frame(
        central=central,
        station=report.station,
        password=password,
        function=report.function,
        serial=report.serial,
        sent_at=report.sent_at or report.observed_at,
        text=bytes(text),
        end=end,
    )


def elements_of(report: Report) -> Sequence[Element]:
    """Every reading as a flat list: series expand into one element per value."""
    flat = list(report.elements)
    for series in report.series:
        for i, value in enumerate(series.values):
            flat.append(
                Element(
                    series.identifier,
                    series.name,
                    series.unit,
                    series.property,
                    value,
                    series.start + series.step * (i + 1),
                    series.size,
                    series.decimals,
                )
            )
    return flat
