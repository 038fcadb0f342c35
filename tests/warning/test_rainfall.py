from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.warning.rainfall import RainBook, RollingRain, accumulate, effective_rainfall, spans_for

T0 = datetime(2026, 6, 20, 0, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class TestRollingRain:
    def test_windows_hold_the_rain_of_their_last_hours(self) -> None:
        gauge = RollingRain()
        for m in range(0, 24 * 60, 5):  # 0.5 mm every 5 minutes for a day
            gauge.add(at(m + 5), 0.5)
        assert gauge.totals() == {1: 6.0, 3: 18.0, 6: 36.0, 12: 72.0, 24: 144.0}

    def test_rain_leaves_the_window_as_time_advances(self) -> None:
        gauge = RollingRain()
        gauge.add(at(10), 20.0)
        gauge.advance(at(69))
        assert gauge.total(1) == 20.0
        gauge.advance(at(70))  # the reading at 10 is now exactly 1 h old: out of (T-1h, T]
        assert gauge.total(1) == 0.0 and gauge.total(3) == 20.0
        assert gauge.last_reading == at(10) and gauge.as_of == at(70)

    def test_late_reading_corrects_every_window_it_falls_into(self) -> None:
        gauge = RollingRain()
        gauge.add(at(300), 1.0)
        gauge.add(at(200), 5.0)  # 100 min late: outside 1 h, inside 3 h and up
        assert gauge.totals() == {1: 1.0, 3: 6.0, 6: 6.0, 12: 6.0, 24: 6.0}

    def test_repeat_is_a_no_op_and_a_different_value_is_a_correction(self) -> None:
        gauge = RollingRain()
        assert gauge.add(at(5), 2.0)
        assert not gauge.add(at(5), 2.0)
        assert gauge.add(at(5), 0.5)
        assert gauge.total(1) == 0.5

    def test_reading_older_than_every_window_is_ignored(self) -> None:
        gauge = RollingRain()
        gauge.add(at(25 * 60), 1.0)
        assert not gauge.add(at(30), 50.0)
        assert gauge.total(24) == 1.0

    @pytest.mark.parametrize("mm", [-0.1, float("nan"), float("inf")])
    def test_impossible_amounts_are_refused(self, mm: float) -> None:
        with pytest.raises(ValueError, match="雨量"):
            RollingRain().add(T0, mm)

    def test_spans_include_antecedent_days(self) -> None:
        assert spans_for((1, 3, 6, 12, 24), 2) == (1, 3, 6, 12, 24, 48, 72)
        with pytest.raises(ValueError):
            spans_for((0,))


class TestEffectiveRainfall:
    def test_formula(self) -> None:
        assert effective_rainfall([10.0, 20.0, 40.0], 0.5) == pytest.approx(10 + 0.5 * 20 + 0.25 * 40)
        with pytest.raises(ValueError):
            effective_rainfall([1.0], 1.0)

    def test_daily_blocks_from_rolling_totals(self) -> None:
        gauge = RollingRain(antecedent_days=2)
        gauge.add(at(60), 40.0)  # two days before the last reading
        gauge.add(at(24 * 60 + 60), 20.0)  # one day before
        gauge.add(at(48 * 60 + 60), 10.0)  # today
        assert gauge.daily(2) == [10.0, 20.0, 40.0]
        assert gauge.effective(0.84, 2) == pytest.approx(10 + 0.84 * 20 + 0.84**2 * 40)
        with pytest.raises(ValueError):
            gauge.daily(3)


class TestRainBook:
    def test_one_accumulator_per_station(self) -> None:
        book = RainBook()
        book.add("G1", at(5), 1.0)
        book.add("G2", at(5), 3.0)
        book.advance(at(120))
        assert book.gauge("G1").total(3) == 1.0 and book.gauge("G2").total(1) == 0.0
        assert book.last_readings() == {"G1": at(5), "G2": at(5)}


# Property: whatever arrives in whatever order (late, repeated, corrected), interleaved with time
# advancing, the incrementally kept totals equal a recomputation from scratch, exactly.
add = st.tuples(st.just("add"), st.integers(0, 3 * 24 * 60), st.integers(0, 500))  # minute, 0.1 mm steps
advance = st.tuples(st.just("advance"), st.integers(0, 3 * 24 * 60), st.just(0))
operations = st.lists(st.one_of(add, add, add, advance), min_size=1, max_size=120)


@settings(max_examples=300, deadline=None)
@given(operations, st.integers(0, 2))
def test_incremental_totals_equal_recomputation(ops: list[tuple[str, int, int]], antecedent: int) -> None:
    gauge = RollingRain(antecedent_days=antecedent)
    seen: list[tuple[datetime, float]] = []
    for kind, minute, tenths in ops:
        if kind == "add":
            gauge.add(at(minute), tenths / 10)
            seen.append((at(minute), tenths / 10))
        else:
            gauge.advance(at(minute))
        assert gauge.as_of is not None
        assert gauge.totals() == accumulate(seen, gauge.as_of, gauge.spans_h)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2 * 24 * 60), st.integers(0, 300)), min_size=1, max_size=60), st.randoms())
def test_order_of_arrival_does_not_matter(readings: list[tuple[int, int]], rnd: object) -> None:
    unique = dict(readings)  # one value per time: any order then gives the same held set
    items = [(at(m), v / 10) for m, v in unique.items()]
    shuffled = items[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = RollingRain(antecedent_days=1), RollingRain(antecedent_days=1)
    a.add_many(sorted(items))
    b.add_many(shuffled)
    end = max(t for t, _ in items)
    a.advance(end)
    b.advance(end)
    assert a.totals() == b.totals()
