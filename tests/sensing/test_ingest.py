"""The ingest step every source shares: idempotent, order-free, and every refusal dead-lettered with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.sensing.models import DeadLetter, Observation, Station
from gridgov.sensing.parsing import parse_items, parse_mqtt
from gridgov.sensing.service import Batch, Ingestor
from tests.sensing.world import FUCHUN_GAUGE, WANSHI_GAUGE, build_gauges

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
TOPIC = f"gridgov/330111/stations/{FUCHUN_GAUGE}/rainfall"


def _mqtt(session: Session, payload: bytes | str, topic: str = TOPIC, now: datetime = NOW) -> tuple[int, int, int]:
    raw = payload.encode() if isinstance(payload, str) else payload
    (outcome,) = Ingestor(lambda: now).write(session, [Batch("mqtt", parse_mqtt(topic, raw, "gridgov"))])
    session.flush()
    return outcome.accepted, outcome.duplicate, len(outcome.refused)


def _stored(session: Session) -> list[tuple[datetime, float, int]]:
    stmt = select(Observation.phenomenon_time, Observation.value, Observation.repeats).order_by(
        Observation.phenomenon_time
    )
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def _reading(minute: int, value: float = 1.5, **extra: object) -> str:
    return json.dumps({"time": f"2026-11-23T05:{minute:02d}:00Z", "value": value, "unit": "mm", **extra})


def test_the_same_reading_twice_is_stored_once_and_counted(session: Session) -> None:
    build_gauges(session)
    assert _mqtt(session, _reading(0)) == (1, 0, 0)
    assert _mqtt(session, _reading(0)) == (0, 1, 0)
    assert _mqtt(session, _reading(0, 9.9)) == (0, 1, 0)  # a different value for the same time: the first stands
    assert _stored(session) == [(datetime(2026, 11, 23, 5, 0, tzinfo=UTC), 1.5, 2)]


def test_repeats_inside_one_batch_are_counted_too(session: Session) -> None:
    build_gauges(session)
    payload = "[" + ",".join([_reading(1), _reading(1), _reading(2), _reading(1)]) + "]"
    assert _mqtt(session, payload) == (2, 2, 0)
    assert [r[2] for r in _stored(session)] == [2, 0]
    assert _mqtt(session, payload) == (0, 4, 0)
    assert [r[2] for r in _stored(session)] == [5, 1]


def test_late_and_out_of_order_readings_are_accepted(session: Session) -> None:
    build_gauges(session)
    for minute in (30, 10, 50, 0, 20):
        assert _mqtt(session, _reading(minute)) == (1, 0, 0)
    assert _mqtt(session, _reading(5), now=NOW + timedelta(days=30)) == (1, 0, 0)  # a month late
    assert [t.minute for t, _v, _r in _stored(session)] == [0, 5, 10, 20, 30, 50]


def test_times_with_offsets_naive_times_and_epoch_seconds_mean_the_same_instant(session: Session) -> None:
    build_gauges(session)
    assert _mqtt(session, '{"time": "2026-11-23T13:00:00+08:00", "value": 1}') == (1, 0, 0)
    assert _mqtt(session, '{"time": "2026-11-23 13:00:00", "value": 1}') == (0, 1, 0)  # naive: Asia/Shanghai
    epoch = int(datetime(2026, 11, 23, 5, 0, tzinfo=UTC).timestamp())
    assert _mqtt(session, json.dumps({"time": epoch, "value": 1})) == (0, 1, 0)
    assert _mqtt(session, json.dumps({"time": epoch * 1000, "value": 1})) == (0, 1, 0)


def test_a_reading_marks_its_station_as_heard_from(session: Session) -> None:
    build_gauges(session)
    _mqtt(session, _reading(0))
    seen = dict(session.execute(select(Station.code, Station.last_seen_at)).all())
    assert seen == {FUCHUN_GAUGE: NOW, WANSHI_GAUGE: None}


BAD = [
    ("bad_json", b'{"time": "2026-11-23T05:00:00Z", "value": 1', "JSON格式错误"),
    ("bad_json", b"\xff\xfe\x00garbage", "JSON格式错误"),
    ("bad_shape", b"42", "报文结构错误"),
    ("bad_shape", b"[]", "报文结构错误"),
    ("missing_field", b'{"time": "2026-11-23T05:00:00Z"}', "缺少字段value"),
    ("bad_time", b'{"time": "yesterday", "value": 1}', "时间格式错误"),
    ("not_a_number", b'{"time": "2026-11-23T05:00:00Z", "value": NaN}', "不是有限数字"),
    ("not_a_number", b'{"time": "2026-11-23T05:00:00Z", "value": Infinity}', "不是有限数字"),
    ("not_a_number", b'{"time": "2026-11-23T05:00:00Z", "value": "1.5"}', "不是有限数字"),
    ("not_a_number", b'{"time": "2026-11-23T05:00:00Z", "value": true}', "不是有限数字"),
    ("wrong_unit", b'{"time": "2026-11-23T05:00:00Z", "value": 1, "unit": "cm"}', "单位应为 mm"),
    ("implausible", b'{"time": "2026-11-23T05:00:00Z", "value": -3}', "超出合理范围"),
    ("implausible", b'{"time": "2026-11-23T05:00:00Z", "value": 5000}', "超出合理范围"),
    ("future_time", b'{"time": "2026-11-23T07:00:00Z", "value": 1}', "超前于当前时间"),
    ("too_old", b'{"time": "1970-01-02T00:00:00Z", "value": 1}', "早于"),
]


@pytest.mark.parametrize(("kind", "payload", "words"), BAD, ids=[f"{k}-{i}" for i, (k, _p, _w) in enumerate(BAD)])
def test_malformed_payloads_are_dead_lettered_with_their_reason(
    session: Session, kind: str, payload: bytes, words: str
) -> None:
    build_gauges(session)
    assert _mqtt(session, payload) == (0, 0, 1)
    letter = session.scalars(select(DeadLetter)).one()
    assert (letter.kind, letter.source, letter.topic) == (kind, "mqtt", TOPIC)
    assert words in letter.reason and "(" in letter.reason  # Chinese, then English in parentheses
    assert letter.payload == payload and letter.payload_size == len(payload)
    assert _stored(session) == []


@pytest.mark.parametrize(
    ("topic", "kind"),
    [
        ("gridgov/330111/stations/NOPE/rainfall", "unknown_station"),
        (f"gridgov/330111/stations/{FUCHUN_GAUGE}/water_level", "unknown_property"),
        (f"gridgov/330111/{FUCHUN_GAUGE}/rainfall", "bad_topic"),
        (f"other/330111/stations/{FUCHUN_GAUGE}/rainfall", "bad_topic"),
    ],
)
def test_unknown_stations_properties_and_topics_are_dead_lettered(session: Session, topic: str, kind: str) -> None:
    build_gauges(session)
    assert _mqtt(session, _reading(0), topic=topic) == (0, 0, 1)
    assert session.scalars(select(DeadLetter.kind)).one() == kind


def test_an_inactive_station_is_refused(session: Session) -> None:
    build_gauges(session)
    session.scalars(select(Station).where(Station.code == FUCHUN_GAUGE)).one().active = False
    session.flush()
    assert _mqtt(session, _reading(0)) == (0, 0, 1)
    assert session.scalars(select(DeadLetter.kind)).one() == "inactive_station"


def test_a_huge_payload_is_kept_truncated(session: Session) -> None:
    build_gauges(session)
    payload = b"x" * 100_000
    assert _mqtt(session, payload) == (0, 0, 1)
    letter = session.scalars(select(DeadLetter)).one()
    assert len(letter.payload) == 4096 and letter.payload_size == 100_000


def test_good_readings_land_beside_bad_ones_in_the_same_batch(session: Session) -> None:
    build_gauges(session)
    items = [
        {"station": FUCHUN_GAUGE, "property": "rainfall", "time": "2026-11-23T05:00:00Z", "value": 1, "unit": "mm"},
        {"station": FUCHUN_GAUGE, "property": "rainfall", "time": "2026-11-23T05:05:00Z", "value": -1},
        {"station": "NOPE", "property": "rainfall", "time": "2026-11-23T05:05:00Z", "value": 1},
        "not an object",
        {"property": "rainfall", "time": "2026-11-23T05:05:00Z", "value": 1},
        {"station": WANSHI_GAUGE, "property": "rainfall", "time": "2026-11-23T05:05:00Z", "value": 2},
    ]
    body = json.dumps({"observations": items}).encode()
    (outcome,) = Ingestor(lambda: NOW).write(session, [Batch("http", parse_items(items, body))])
    assert (outcome.accepted, outcome.duplicate) == (2, 0)
    assert [(i, r.kind) for i, r in outcome.refused] == [
        (1, "implausible"),
        (2, "unknown_station"),
        (3, "bad_shape"),
        (4, "missing_field"),
    ]
    assert session.scalar(select(func.count()).select_from(DeadLetter)) == 4
    assert len(_stored(session)) == 2


def test_a_gateway_reaches_only_stations_in_its_area(session: Session) -> None:
    gauges = build_gauges(session)
    items = [
        {"station": code, "property": "rainfall", "time": "2026-11-23T05:00:00Z", "value": 1}
        for code in (FUCHUN_GAUGE, WANSHI_GAUGE)
    ]
    scope = (gauges.county["330111001"].path,)
    (outcome,) = Ingestor(lambda: NOW).write(session, [Batch("http", parse_items(items, b""), scope)])
    assert outcome.accepted == 1 and [r.kind for _i, r in outcome.refused] == ["out_of_scope"]
