"""The three rates over columns (``stream_rates``, ``valid_mask``) against their definition: the pure-Python
``meter_rates``/``validity`` over ``Reading`` objects that the module used before, kept here as the reference,
on random reading sequences (gaps, late and early arrivals, repeats of a time, flat lines, counter drops and
resets, spikes, negative and non-finite values, readings outside the period, streams interleaved)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.water.rates import Columns, Rates, Reading, Rules, expected_slots, micros, stream_rates, validity

PERIOD_STARTS = (datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(1969, 12, 31, 22, 30, 0, 500, tzinfo=UTC))


def reference_validity(readings: Iterable[Reading], rules: Rules) -> list[bool]:
    """``rates.validity`` as it was in pure Python (the definition)."""
    flags: list[bool] = []
    last: Reading | None = None
    flat_since: datetime | None = None
    for reading in readings:
        if reading.value < 0:
            flags.append(False)
            continue
        if last is None:
            flags.append(True)
            last, flat_since = reading, reading.time
            continue
        rise = reading.value - last.value
        elapsed = max((reading.time - last.time).total_seconds() / rules.interval_seconds, 1.0)
        if rise < 0 or rise > rules.max_increment_m3 * elapsed:
            flags.append(False)
            continue
        if rise == 0:
            assert flat_since is not None
            standing = (reading.time - flat_since).total_seconds() / rules.interval_seconds
            flags.append(standing <= rules.flat_intervals)
        else:
            flags.append(True)
            flat_since = reading.time
        last = reading
    return flags


def reference_meter_rates(readings: Iterable[Reading], start: datetime, end: datetime, rules: Rules) -> Rates:
    """``rates.meter_rates`` as it was in pure Python (the definition)."""
    interval = rules.interval_seconds

    def slot(moment: datetime) -> int:
        return int(moment.timestamp()) // interval

    inside = sorted((r for r in readings if start <= r.time < end), key=lambda r: r.time)
    timely = {slot(r.time) for r in inside if (r.received - r.time).total_seconds() <= rules.lateness_seconds}
    return Rates(
        timely=len(timely),
        expected=expected_slots(start, end, interval),
        complete=len({slot(r.time) for r in inside}),
        valid=sum(reference_validity(inside, rules)),
        received=len(inside),
    )


STEPS = st.one_of(
    st.floats(0, 30),  # a plausible rise
    st.just(0.0),  # the counter stands still
    st.floats(-60, 0),  # a drop (backwards)
    st.floats(100, 5000),  # a spike or a jump above the range
    st.sampled_from([-1e6, -20.0, float("nan"), float("inf")]),  # a reset, and values that are not numbers
)
READING = st.tuples(
    st.integers(-7_200_000_000, 60 * 3_600_000_000),  # µs after the period's start (some before it)
    st.one_of(st.integers(-600_000_000, 7_200_000_000), st.just(0)),  # µs of arrival after the time
    STEPS,
    st.booleans(),  # the step is a one-off (the value returns) rather than a new level
    st.booleans(),  # repeat the previous reading's time
)
RULES = st.builds(
    Rules,
    interval_seconds=st.sampled_from([60, 300, 3600, 7200]),
    lateness_seconds=st.integers(0, 3600),
    max_increment_m3=st.sampled_from([1.0, 25.0, 100.0, 1000.0]),
    flat_intervals=st.integers(1, 6),
)


def _readings(start: datetime, rows: list[tuple[int, int, float, bool, bool]]) -> list[Reading]:
    readings: list[Reading] = []
    level = 1000.0
    offset = 0
    for at, delay, step, once, repeat in rows:
        offset = offset if repeat and readings else at
        time = start + timedelta(microseconds=offset)
        value = level + step
        if not once and value == value and abs(value) != float("inf"):
            level = value
        readings.append(Reading(time, time + timedelta(microseconds=delay), value))
    return readings


def _interleaved(streams: dict[int, list[Reading]], shuffle: random.Random | None) -> list[tuple[int, Reading]]:
    rows = [(stream, r) for stream, readings in streams.items() for r in readings]
    if shuffle is not None:
        shuffle.shuffle(rows)
    return rows


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(PERIOD_STARTS),
    st.integers(0, 3_600_000_000),
    st.integers(0, 48 * 3_600_000_000),
    st.lists(st.lists(READING, max_size=120), min_size=1, max_size=4),
    RULES,
    st.one_of(st.none(), st.integers(0, 2**32)),
)
def test_stream_rates_equal_the_pure_definition(
    base: datetime,
    shift: int,
    length: int,
    streams: list[list[tuple[int, int, float, bool, bool]]],
    rules: Rules,
    seed: int | None,
) -> None:
    start = base + timedelta(microseconds=shift)
    end = start + timedelta(microseconds=length)
    readings = {stream * 7 + 3: _readings(base, rows) for stream, rows in enumerate(streams)}
    rows = _interleaved(readings, None if seed is None else random.Random(seed))
    columns = Columns(
        np.array([s for s, _ in rows], dtype=np.int64),
        np.array([micros(r.time) for _, r in rows], dtype=np.int64),
        np.array([micros(r.received) for _, r in rows], dtype=np.int64),
        np.array([r.value for _, r in rows], dtype=np.float64),
    )
    as_given = {stream: [r for s, r in rows if s == stream] for stream in readings}  # repeats keep this order
    found = stream_rates(columns, [*readings, 99], start, end, rules)
    assert found == {
        **{stream: reference_meter_rates(rs, start, end, rules) for stream, rs in as_given.items()},
        99: Rates(expected=expected_slots(start, end, rules.interval_seconds)),
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(READING, max_size=150), RULES)
def test_validity_equals_the_pure_definition(rows: list[tuple[int, int, float, bool, bool]], rules: Rules) -> None:
    readings = sorted(_readings(PERIOD_STARTS[0], rows), key=lambda r: r.time)
    assert validity(readings, rules) == reference_validity(readings, rules)


def test_a_counter_reset_is_searched_past_many_readings() -> None:
    """A counter that restarts from zero stays invalid until it climbs back to the last accepted value: the
    search for the next acceptable reading runs over more than one window."""
    start = PERIOD_STARTS[0]
    rules = Rules(interval_seconds=300, lateness_seconds=600, max_increment_m3=100.0, flat_intervals=288)
    values = [1000.0 + 5 * i for i in range(100)] + [5.0 * i for i in range(2000)]
    readings = [
        Reading(start + timedelta(minutes=5 * i), start + timedelta(minutes=5 * i, seconds=20), value)
        for i, value in enumerate(values)
    ]
    end = start + timedelta(days=10)
    assert validity(readings, rules) == reference_validity(readings, rules)
    assert stream_rates(Columns.of(readings), [0], start, end, rules) == {
        0: reference_meter_rates(readings, start, end, rules)
    }
    # 299 restarted readings below 1495 m³, and the one equal to it: the counter stood still 300 intervals
    assert sum(validity(readings, rules)) == len(readings) - 300
