"""SL 651-2014 codec: published frames, round trips, corruption, truncation, stream splitting."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.water.sl651 import (
    CST,
    EOT,
    ESC,
    ETX,
    Element,
    Frame,
    FrameError,
    Report,
    SeriesElement,
    acknowledge,
    crc16,
    decode,
    decode_report,
    elements_of,
    encode_frame,
    encode_report,
    split_stream,
)
from gridgov.water.sl651_elements import ELEMENTS, REPORT_FUNCTIONS, STATION_TYPES, ElementSpec

# Published frames: "SL651-2014全协议解析(HEX编码格式)", https://www.toymoban.com/news/detail-686475.html
# (also https://e-com-net.com/article/1736683930196697088.htm), with the values stated there.
KEEPALIVE = "7E7E01001234567812342F0008020003591011155111036BCA"
KEEPALIVE_2 = "7E7E00987654321012342F0008027E0822101110074703C3AE"
TEST_REPORT = (
    "7E7E010012345678123430002B020003591011154947F1F1001234567848F0F0591011154920190000052619000005"
    "392300000127381211150320FA"
)
TEST_REPORT_ACK = "7E7E00123456780112343080080200035910111549471B75D4"
TIMED_REPORT = (
    "7E7E05001122334403E832002B020034170718110016F1F1001122334448F0F01707181100201900004026190000403923"
    "000104903812109903A421"
)
TIMED_REPORT_ACK = "7E7E00112233440503E83280080200341707181100161BE5D4"

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _values(report: Report) -> dict[str, Decimal | None]:
    return {e.identifier: e.value for e in report.elements}


def test_published_test_report_decodes_to_the_stated_values() -> None:
    frame = decode(bytes.fromhex(TEST_REPORT))
    assert (frame.central, frame.station, frame.password, frame.function) == (1, "0012345678", 0x1234, 0x30)
    assert frame.uplink and frame.serial == 3 and frame.end == ETX
    report = decode_report(frame)
    assert report.station == "0012345678" and STATION_TYPES[report.station_type] == "河道"
    assert report.observed_at == datetime(2059, 10, 11, 15, 49, tzinfo=CST)
    # 当前降水量 0.5 mm, 降水量累计值 0.5 mm, 瞬时河道水位 0.127 m, 电源电压 11.15 V
    assert _values(report) == {
        "20": Decimal("0.5"),
        "26": Decimal("0.5"),
        "39": Decimal("0.127"),
        "38": Decimal("11.15"),
    }
    props = {e.property: (e.value, e.unit) for e in report.elements}
    assert props["water_level"] == (Decimal("0.127"), "m") and props["voltage"] == (Decimal("11.15"), "V")
    assert props["rainfall"] == (Decimal("0.5"), "mm")


def test_published_timed_report_decodes_to_the_stated_values() -> None:
    frame = decode(bytes.fromhex(TIMED_REPORT))
    assert (frame.central, frame.station, frame.password, frame.function, frame.serial) == (
        5,
        "0011223344",
        0x03E8,
        0x32,
        0x34,
    )
    assert frame.sent_at == datetime(2017, 7, 18, 11, 0, 16, tzinfo=CST)
    report = decode_report(frame)
    # 当前降水量 4 mm, 降水量累计值 4 mm, 瞬时河道水位 10.49 m, 电源电压 10.99 V
    assert _values(report) == {"20": Decimal(4), "26": Decimal(4), "39": Decimal("10.49"), "38": Decimal("10.99")}


@pytest.mark.parametrize(("uplink", "downlink"), [(TEST_REPORT, TEST_REPORT_ACK), (TIMED_REPORT, TIMED_REPORT_ACK)])
def test_acknowledgement_is_byte_for_byte_the_published_downlink(uplink: str, downlink: str) -> None:
    frame = decode(bytes.fromhex(uplink))
    assert acknowledge(frame).hex().upper() == downlink
    reply = decode(bytes.fromhex(downlink))
    assert not reply.uplink and reply.end == ESC
    assert (reply.function, reply.serial, reply.station, reply.central) == (
        frame.function,
        frame.serial,
        frame.station,
        frame.central,
    )


@pytest.mark.parametrize("text", [KEEPALIVE, KEEPALIVE_2])
def test_published_keepalive_frames_decode_and_carry_no_report(text: str) -> None:
    frame = decode(bytes.fromhex(text))
    assert frame.function == 0x2F and frame.text == b""
    with pytest.raises(FrameError) as caught:
        decode_report(frame)
    assert caught.value.reason == "unsupported"


def test_crc_is_modbus() -> None:
    assert crc16(b"123456789") == 0x4B37  # the CRC-16/MODBUS check value


# ---- generated reports --------------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=CST)
)
BCD_SPECS = [s for s in ELEMENTS.values() if s.kind == "bcd"]
SERIES_SPECS = [s for s in ELEMENTS.values() if s.kind == "series"]


@st.composite
def _element(draw: st.DrawFn, observed: datetime) -> Element:
    spec = draw(st.sampled_from([*BCD_SPECS, ELEMENTS["45"]]))
    if spec.kind == "hex":
        value: Decimal | None = Decimal(draw(st.integers(0, 2**32 - 1)))
    else:
        negative = spec.size > 1 and draw(st.booleans())
        digits = 2 * (spec.size - 1) if negative else 2 * spec.size
        magnitude = draw(st.integers(0, 10**digits - 1))
        value = (
            None
            if draw(st.integers(0, 9)) == 0
            else Decimal(-magnitude if negative else magnitude).scaleb(-spec.decimals)
        )
        if negative and magnitude == 0:
            value = Decimal(0).scaleb(-spec.decimals)
    return Element(spec.identifier, spec.name, spec.unit, spec.property, value, observed, spec.size, spec.decimals)


@st.composite
def _series(draw: st.DrawFn, observed: datetime) -> SeriesElement:
    spec = draw(st.sampled_from(SERIES_SPECS))
    raw = draw(st.lists(st.one_of(st.none(), st.integers(0, 256**spec.size - 2)), min_size=12, max_size=12))
    values = tuple(None if v is None else Decimal(v).scaleb(-spec.decimals) for v in raw)
    step = timedelta(minutes=5)
    return SeriesElement(
        spec.identifier,
        spec.name,
        spec.unit,
        spec.property,
        step,
        observed - 12 * step,
        values,
        spec.size,
        spec.decimals,
    )


@st.composite
def reports(draw: st.DrawFn) -> Report:
    observed = draw(MOMENTS)
    return Report(
        station=draw(st.from_regex(r"\A[0-9]{10}\Z")),
        station_type=draw(st.sampled_from(sorted(STATION_TYPES))),
        observed_at=observed,
        elements=tuple(draw(st.lists(_element(observed), max_size=8))),
        series=tuple(draw(st.lists(_series(observed), max_size=2))),
        function=draw(st.sampled_from(sorted(REPORT_FUNCTIONS - {0x31}))),
        serial=draw(st.integers(0, 0xFFFF)),
        sent_at=observed + timedelta(seconds=draw(st.integers(0, 59))),
    )


def _frame(report: Report, central: int = 1, password: int = 0) -> bytes:
    return encode_report(report, central=central, password=password)


@FAST
@given(reports(), st.integers(1, 255), st.integers(0, 0xFFFF))
def test_encode_decode_round_trip(report: Report, central: int, password: int) -> None:
    frame = decode(_frame(report, central, password))
    assert (frame.central, frame.password, frame.station, frame.serial) == (
        central,
        password,
        report.station,
        report.serial,
    )
    assert decode_report(frame) == report


@FAST
@given(reports(), st.data())
def test_every_single_byte_corruption_is_rejected(report: Report, data: st.DataObject) -> None:
    raw = _frame(report)
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != raw[position]), label="value")
    corrupt = raw[:position] + bytes([value]) + raw[position + 1 :]
    with pytest.raises(FrameError):
        decode(corrupt)


def test_every_single_byte_corruption_of_a_published_frame_is_rejected() -> None:
    raw = bytes.fromhex(TEST_REPORT)
    for position in range(len(raw)):
        for value in range(256):
            if value != raw[position]:
                with pytest.raises(FrameError):
                    decode(raw[:position] + bytes([value]) + raw[position + 1 :])


def test_every_truncation_is_rejected_as_truncated() -> None:
    raw = bytes.fromhex(TIMED_REPORT)
    for length in range(len(raw)):
        with pytest.raises(FrameError) as caught:
            decode(raw[:length])
        assert caught.value.reason == "truncated", length


def _resealed(raw: bytes) -> bytes:
    return raw[:-2] + crc16(raw[:-2]).to_bytes(2, "big")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x7f" + bytes.fromhex(TEST_REPORT)[1:], "bad start"),
        (bytes.fromhex(TEST_REPORT) + b"\x00", "length mismatch"),
        (bytes.fromhex(TEST_REPORT)[:-1] + b"\x00", "bad CRC"),
        (_resealed(bytes.fromhex(TEST_REPORT)[:-3] + b"\x09\x00\x00"), "unknown control char"),
        (_resealed(bytes.fromhex(TEST_REPORT.replace("0012345678", "00123456A8", 1))), "bad BCD"),
        (_resealed(bytes.fromhex(TEST_REPORT.replace("591011154947", "591311154947", 1))), "bad time"),
    ],
)
def test_rejections_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(FrameError) as caught:
        decode(raw)
    assert caught.value.reason == reason
    assert reason in str(caught.value)


def test_station_in_text_must_match_header() -> None:
    raw = _resealed(bytes.fromhex(TEST_REPORT.replace("F1F10012345678", "F1F10012345679")))
    with pytest.raises(FrameError) as caught:
        decode_report(decode(raw))
    assert caught.value.reason == "bad text"


@FAST
@given(
    st.lists(reports(), min_size=1, max_size=4),
    st.lists(st.binary(max_size=20).map(lambda b: b.replace(b"\x7e", b"")), min_size=5, max_size=5),
    st.lists(st.integers(1, 40), min_size=1, max_size=30),
)
def test_split_stream_finds_exactly_the_frames(frames: list[Report], garbage: list[bytes], chunks: list[int]) -> None:
    raws = [_frame(r) for r in frames]
    stream = garbage[0] + b"".join(raw + garbage[(i + 1) % 5] for i, raw in enumerate(raws))
    found: list[bytes] = []
    buffer, pos, i = b"", 0, 0
    while pos < len(stream):
        size = chunks[i % len(chunks)]
        buffer += stream[pos : pos + size]
        pos, i = pos + size, i + 1
        got, buffer = split_stream(buffer)
        found += got
    assert found == raws
    assert buffer == b""


def test_split_stream_skips_an_impossible_header_and_keeps_a_partial_frame() -> None:
    frame = bytes.fromhex(TEST_REPORT)
    junk = b"\x7e\x7e" + b"\x00" * 9 + b"\x55" + b"\x00\x00"  # up/down flag 5: not a header
    frames, rest = split_stream(junk + frame + frame[:10])
    assert frames == [frame] and rest == frame[:10]
    assert split_stream(b"abc\x7e") == ([], b"\x7e")


@FAST
@given(reports(), st.sampled_from([ESC, EOT]))
def test_acknowledgement_echoes_function_and_serial(report: Report, end: int) -> None:
    frame = decode(_frame(report, central=7, password=0x4321))
    reply = decode(acknowledge(frame, end=end))
    assert not reply.uplink and reply.end == end and reply.text == b""
    assert (reply.function, reply.serial, reply.station, reply.central, reply.password) == (
        report.function,
        report.serial,
        report.station,
        7,
        0x4321,
    )


def test_five_minute_series_and_missing_values() -> None:
    observed = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
    step = timedelta(minutes=5)
    rain = SeriesElement(
        "F4", "", "", None, step, observed - 12 * step, (Decimal("0.5"),) + (None,) * 10 + (Decimal("25.4"),)
    )
    report = Report("0000000001", 0x50, observed, (), (rain,), 0x34, 9, observed)
    decoded = decode_report(decode(encode_report(report)))
    flat = elements_of(decoded)
    assert [(e.observed_at.minute, e.value) for e in flat][:2] == [(5, Decimal("0.5")), (10, None)]
    assert (
        flat[-1].observed_at == observed and flat[-1].value == Decimal("25.4") and flat[-1].property == "rainfall_5min"
    )


def test_equal_interval_report_after_a_time_step() -> None:
    text = bytes.fromhex(
        "F1F1000000000248F0F02606010800" + "0418000005" + "3923" + "00001234" + "00001250" + "FFFFFFFF"
    )
    raw = encode_frame(
        central=1,
        station="0000000002",
        password=0,
        function=0x31,
        serial=1,
        sent_at=datetime(2026, 6, 1, 8, 16, tzinfo=CST),
        text=text,
    )
    (series,) = decode_report(decode(raw)).series
    assert series.step == timedelta(minutes=5) and series.property == "water_level"
    assert series.values == (Decimal("1.234"), Decimal("1.250"), None)
    assert [e.observed_at.minute for e in elements_of(Report("0000000002", 0x48, series.start, (), (series,)))] == [
        0,
        5,
        10,
    ]


def test_extension_identifier_for_cumulative_volume() -> None:
    """SL 651-2014 has no cumulative-volume element; a provincial FFxx extension can be mapped."""
    volume = ElementSpec("FF01", "累计水量", "m3", "volume", 6, 2)
    observed = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
    element = Element("FF01", volume.name, volume.unit, volume.property, Decimal("123456.78"), observed, 6, 2)
    raw = encode_report(Report("0000000003", 0x49, observed, (element,), (), 0x32, 1, observed), extra={"FF01": volume})
    assert decode_report(decode(raw), extra={"FF01": volume}).elements == (element,)
    (plain,) = decode_report(decode(raw)).elements  # without the mapping: decoded, but with no property
    assert plain.value == Decimal("123456.78") and plain.property is None


def test_negative_values_and_frame_dataclass() -> None:
    observed = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
    element = Element("39", "", "", None, Decimal("-1.250"), observed)
    frame = decode(encode_report(Report("0000000004", 0x48, observed, (element,), (), 0x33, 2, observed)))
    assert isinstance(frame, Frame) and frame.function == 0x33
    assert decode_report(frame).elements[0].value == Decimal("-1.25")


@FAST
@given(st.binary(max_size=80), st.sampled_from(sorted(REPORT_FUNCTIONS)))
def test_any_report_text_either_decodes_or_says_why(tail: bytes, function: int) -> None:
    """Text after a valid station/time preamble: never a crash, only a report or a FrameError."""
    text = bytes.fromhex("F1F1000000000548F0F02606010800") + tail
    raw = encode_frame(
        central=1,
        station="0000000005",
        password=0,
        function=function,
        serial=1,
        sent_at=datetime(2026, 6, 1, 8, 1),
        text=text,
    )
    try:
        report = decode_report(decode(raw))
    except FrameError as exc:
        assert exc.reason in {"bad text", "bad BCD", "bad time"}
    else:
        assert report.station == "0000000005"
