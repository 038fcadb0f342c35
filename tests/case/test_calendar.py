from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.case.calendar import TimeUnit, WorkCalendar
from gridgov.case.urgency import Urgency, urgency

CST = ZoneInfo("Asia/Shanghai")
cal = WorkCalendar()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CST)


class TestDeadlines:
    def test_three_working_days_filed_the_afternoon_before_national_day(self) -> None:
        # 2026-09-30 (Wed) 15:00; 10-01..10-07 国庆 holidays, 10-08/09 work, 10-10 (Sat) adjusted workday
        due = cal.deadline(at(2026, 9, 30, 15), 3, TimeUnit.working_days)
        assert due == at(2026, 10, 10, 15)

    def test_lunch_break_does_not_count(self) -> None:
        assert cal.deadline(at(2026, 11, 23, 11, 0), 2, TimeUnit.working_hours) == at(2026, 11, 23, 14, 30)

    def test_report_at_night_counts_from_next_morning(self) -> None:
        assert cal.deadline(at(2026, 11, 20, 22), 1, TimeUnit.working_hours) == at(2026, 11, 23, 9, 30)  # Fri → Mon

    def test_clock_hours_run_day_and_night(self) -> None:
        assert cal.deadline(at(2026, 10, 1, 23), 3, TimeUnit.clock_hours) == at(2026, 10, 2, 2)

    def test_calendar_days(self) -> None:
        assert cal.deadline(at(2026, 9, 30, 15), 7, TimeUnit.calendar_days) == at(2026, 10, 7, 15)

    def test_period_end_is_the_deadline_not_next_morning(self) -> None:
        assert cal.deadline(at(2026, 11, 23, 13, 30), 4, TimeUnit.working_hours) == at(2026, 11, 23, 17, 30)

    def test_loaded_holiday_table_wins_and_unknown_year_is_reported(self) -> None:
        assert cal.missing_years(range(2025, 2028)) == [2027]
        loaded = WorkCalendar(holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset({date(2027, 1, 2)}))
        assert loaded.missing_years([2027]) == []
        assert not loaded.is_workday(date(2027, 1, 1)) and loaded.is_workday(date(2027, 1, 2))
        assert cal.is_workday(date(2027, 1, 4))  # unknown year: Monday–Friday

    def test_naive_times_are_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone"):
            cal.deadline(datetime(2026, 1, 5, 9), 1, TimeUnit.working_hours)

    def test_bad_periods_are_refused(self) -> None:
        with pytest.raises(ValueError):
            WorkCalendar(periods=((time(13), time(12)),))


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(CST))
minutes = st.integers(min_value=0, max_value=20 * 450)


@settings(max_examples=200, deadline=None)
@given(start=moments, a=minutes, b=minutes)
def test_adding_working_time_is_additive(start: datetime, a: int, b: int) -> None:
    assert cal.add_working_minutes(cal.add_working_minutes(start, a), b) == cal.add_working_minutes(start, a + b)


@settings(max_examples=200, deadline=None)
@given(start=moments, amount=minutes)
def test_elapsed_working_time_inverts_adding(start: datetime, amount: int) -> None:
    due = cal.add_working_minutes(start, amount)
    assert due >= start
    assert cal.working_minutes_between(start, due) == pytest.approx(amount)


@settings(max_examples=200, deadline=None)
@given(start=moments, amount=st.integers(min_value=1, max_value=5000))
def test_deadline_falls_inside_working_time_on_a_working_day(start: datetime, amount: int) -> None:
    due = cal.add_working_minutes(start, amount).astimezone(CST)
    assert cal.is_workday(due.date())
    assert any(a < due.time() <= b for a, b in cal.periods)


@settings(max_examples=100, deadline=None)
@given(start=moments, days=st.integers(min_value=1, max_value=15))
def test_working_days_skip_days_off(start: datetime, days: int) -> None:
    due = cal.deadline(start, days, TimeUnit.working_days)
    assert cal.working_minutes_between(start, due) == pytest.approx(days * cal.day_minutes)


class TestUrgency:
    def test_colours_change_at_the_right_moments(self) -> None:
        start = at(2026, 11, 23, 8, 30)  # Monday
        due = cal.deadline(start, 1, TimeUnit.working_days)  # 17:30 the same day, 450 working minutes
        assert due == at(2026, 11, 23, 17, 30)
        # yellow once fewer than 112.5 working minutes are left: after 15:37:30
        assert urgency(cal, at(2026, 11, 23, 15, 37), start, due, TimeUnit.working_days) is Urgency.green
        assert urgency(cal, at(2026, 11, 23, 15, 38), start, due, TimeUnit.working_days) is Urgency.yellow
        assert urgency(cal, at(2026, 11, 23, 17, 30), start, due, TimeUnit.working_days) is Urgency.red

    def test_lunch_does_not_make_a_case_yellow(self) -> None:
        start = at(2026, 11, 23, 11, 0)
        due = cal.deadline(start, 2, TimeUnit.working_hours)  # 14:30
        # at 13:00, 90 of 120 working minutes are left (lunch is not counted)
        assert urgency(cal, at(2026, 11, 23, 13, 0), start, due, TimeUnit.working_hours) is Urgency.green
        assert urgency(cal, at(2026, 11, 23, 14, 1), start, due, TimeUnit.working_hours) is Urgency.yellow


def test_loaded_table_moves_deadlines() -> None:
    """A day off loaded by an administrator is skipped by the service's calendar."""
    from datetime import date as day

    from gridgov.case.calendar import WorkCalendar as Calendar

    loaded = Calendar(holidays=frozenset({day(2027, 1, 4)}))
    # Friday 09:00 + 1 working day: Monday the 4th is off, so Tuesday 09:00
    assert loaded.deadline(at(2027, 1, 1, 9), 1, TimeUnit.working_days) == at(2027, 1, 5, 9)
