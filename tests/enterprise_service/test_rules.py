"""Colour rules of appeals and the project colour by delay (pure)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridgov.enterprise_service.documents import APPEALS, PROJECTS
from gridgov.enterprise_service.rules import Colour, StagePlan, intake_colour, project_colour

RULES = APPEALS.default()
TODAY = date(2026, 12, 4)


def test_shipped_rules() -> None:
    def colour(impact: int, urgency: int, shared: int) -> Colour:
        return intake_colour(RULES.rules, RULES.default, impact, urgency, shared)

    assert colour(1, 1, 1) is Colour.green
    assert colour(2, 1, 1) is Colour.yellow and colour(1, 3, 1) is Colour.yellow and colour(1, 1, 2) is Colour.yellow
    assert colour(3, 1, 1) is Colour.red and colour(1, 1, 5) is Colour.red and colour(2, 3, 1) is Colour.red


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 50), st.integers(0, 2), st.integers(0, 2))
def test_more_impact_urgency_or_sharing_never_lowers_the_colour(i: int, u: int, s: int, di: int, du: int) -> None:
    low = intake_colour(RULES.rules, RULES.default, i, u, s)
    high = intake_colour(RULES.rules, RULES.default, min(3, i + di), min(3, u + du), s + di)
    assert high.rank >= low.rank


def test_project_colour_by_the_worst_open_delay() -> None:
    rules = PROJECTS.default()

    def plans(days_late: int, finished_late: bool = False) -> list[StagePlan]:
        done = StagePlan("sign", TODAY - timedelta(days=100), TODAY - timedelta(days=40 if finished_late else 100))
        return [done, StagePlan("land", TODAY - timedelta(days=days_late), None), StagePlan("start", None, None)]

    assert project_colour(plans(0), TODAY, rules.yellow_after_days, rules.red_after_days) == (Colour.green, 0)
    assert project_colour(plans(10), TODAY, rules.yellow_after_days, rules.red_after_days) == (Colour.yellow, 10)
    assert project_colour(plans(31), TODAY, rules.yellow_after_days, rules.red_after_days) == (Colour.red, 31)
    assert project_colour(plans(-5, True), TODAY, 0, 30) == (Colour.green, 0)  # finished late, now on time
