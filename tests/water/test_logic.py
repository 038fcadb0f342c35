"""The pure parts: the 统一社会信用代码 check character and the three rates of one meter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridgov.registry.credit_code import ALPHABET, check_character, generate, is_valid, problem
from gridgov.water.rates import Columns, Rates, Reading, Rules, expected_slots, stream_rates, validity

START = datetime(2026, 10, 31, 16, tzinfo=UTC)  # 2026-11-01 00:00 in Asia/Shanghai
RULES = Rules(interval_seconds=3600, lateness_seconds=1800, max_increment_m3=100.0, flat_intervals=3)


def test_the_standards_worked_example() -> None:
    assert check_character("91350100M000100Y4") == "3"
    assert not is_valid("91350100M000100Y4Z")
    assert is_valid("91350100M000100Y43")
    assert "非法字符" in (problem("91350100M000100Y4Z") or "")
    assert "应为3" in (problem("91350100M000100Y44") or "")
    assert "18" in (problem("9135") or "")


@given(st.text(alphabet=ALPHABET, min_size=2, max_size=2), st.integers(0, 999_999), st.integers(0, 10**9))
def test_generated_codes_are_valid(head: str, region: int, serial: int) -> None:
    code = generate(f"{region:06d}", serial, head[0], head[1])
    assert len(code) == 18 and is_valid(code)


@given(st.integers(0, 10**9), st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_character_change_is_caught(serial: int, position: int, replacement: str) -> None:
    code = generate("330503", serial)
    changed = code[:position] + replacement + code[position + 1 :]
    if changed != code and (position not in range(2, 8) or replacement.isdigit()):
        assert not is_valid(changed)


def meter_rates(readings: list[Reading], start: datetime, end: datetime, rules: Rules) -> Rates:
    """One meter's parts through the columns (``stream_rates``)."""
    return stream_rates(Columns.of(readings), [0], start, end, rules)[0]


def _hourly(n: int, delay: int = 60, step: float = 10.0) -> list[Reading]:
    return [
        Reading(START + timedelta(hours=h), START + timedelta(hours=h, seconds=delay), 1000 + step * h)
        for h in range(n)
    ]


def test_a_perfect_meter_scores_every_rate_full() -> None:
    rates = meter_rates(_hourly(24), START, START + timedelta(days=1), RULES)
    assert (rates.timely, rates.expected, rates.complete, rates.valid, rates.received) == (24, 24, 24, 24, 24)


def test_gaps_late_and_bad_readings_count_where_they_should() -> None:
    readings = _hourly(24)
    del readings[5]  # missing: not complete, not timely
    readings[10] = Reading(readings[10].time, readings[10].time + timedelta(hours=2), readings[10].value)  # late
    readings[15] = Reading(readings[15].time, readings[15].received, readings[15].value - 500)  # backwards
    readings[20] = Reading(readings[20].time, readings[20].received, readings[20].value + 5000)  # spike
    rates = meter_rates(readings, START, START + timedelta(days=1), RULES)
    assert (rates.timely, rates.expected) == (22, 24)
    assert (rates.complete, rates.expected) == (23, 24)
    assert (rates.valid, rates.received) == (21, 23)


def test_a_flat_line_longer_than_allowed_is_invalid() -> None:
    readings = [Reading(START + timedelta(hours=h), START + timedelta(hours=h), 50.0) for h in range(6)]
    assert validity(readings, RULES) == [True, True, True, True, False, False]


@given(
    st.lists(
        st.tuples(st.integers(0, 47), st.integers(0, 7200), st.floats(0, 200, allow_nan=False)),
        max_size=80,
        unique_by=lambda t: t[0],
    )
)
def test_numerators_never_exceed_denominators_and_periods_add_up(rows: list[tuple[int, int, float]]) -> None:
    total = 0.0
    readings = []
    for hour, delay, rise in sorted(rows):
        total += rise
        readings.append(Reading(START + timedelta(hours=hour), START + timedelta(hours=hour, seconds=delay), total))
    middle, end = START + timedelta(days=1), START + timedelta(days=2)
    whole = meter_rates(readings, START, end, RULES)
    assert whole.timely <= whole.complete <= whole.expected == 48
    assert whole.valid <= whole.received == len(readings)
    halves = meter_rates(readings, START, middle, RULES) + meter_rates(readings, middle, end, RULES)
    assert (halves.timely, halves.expected, halves.complete, halves.received) == (
        whole.timely,
        whole.expected,
        whole.complete,
        whole.received,
    )


@given(st.integers(-(10**4), 10**4), st.integers(0, 10**4), st.sampled_from([60, 300, 3600, 86400]))
def test_expected_slots_add_up_on_the_grid(first: int, length: int, interval: int) -> None:
    start = datetime.fromtimestamp(first * interval, UTC)
    middle = start + timedelta(seconds=interval * (length // 2))
    end = start + timedelta(seconds=interval * length)
    assert expected_slots(start, end, interval) == length
    assert expected_slots(start, middle, interval) + expected_slots(middle, end, interval) == length
