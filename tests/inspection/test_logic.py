"""Checklist answers, cycles and coverage tallies (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.errors import InvalidInput
from gridgov.inspection.checklist import ZONE, cycle_start, hazards, month_days
from gridgov.inspection.coverage import tally
from gridgov.inspection.documents import PLANS, Grade

PLANS_DOC = PLANS.default()
RENTAL = PLANS_DOC.plan("rental_housing")
GOOD = {
    "mixed_use": "no",
    "ebike_indoor": "no",
    "second_exit": "yes",
    "extinguisher": "yes",
    "smoke_alarm": "yes",
    "wiring": "规范",
    "tenants": 4,
}


def test_good_answers_make_no_hazard_and_bad_ones_make_graded_hazards() -> None:
    assert RENTAL is not None
    assert hazards(RENTAL, GOOD, photos=0) == []
    found = hazards(RENTAL, {**GOOD, "mixed_use": "yes", "wiring": "私拉乱接"}, photos=0)
    assert [(h.item_code, h.grade) for h in found] == [("mixed_use", Grade.veto), ("wiring", Grade.ordinary)]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({k: v for k, v in GOOD.items() if k != "smoke_alarm"}, "answers.smoke_alarm"),
        ({**GOOD, "wiring": "很好"}, "answers.wiring"),
        ({**GOOD, "tenants": "many"}, "answers.tenants"),
        ({**GOOD, "ebike_indoor": "yes"}, "photos"),
        ({**GOOD, "unknown": "yes"}, "answers.unknown"),
    ],
)
def test_a_bad_answer_names_its_field(answers: dict[str, object], field: str) -> None:
    assert RENTAL is not None
    with pytest.raises(InvalidInput) as caught:
        hazards(RENTAL, answers, photos=0)
    assert caught.value.field == field


def test_routes_per_grade_and_the_checkpoint_override() -> None:
    checkpoint = PLANS_DOC.plan("checkpoint")
    assert checkpoint is not None and RENTAL is not None
    assert PLANS_DOC.route(RENTAL, Grade.veto).category == "0302"
    assert PLANS_DOC.route(RENTAL, Grade.ordinary).category == "0301"
    assert PLANS_DOC.route(checkpoint, Grade.ordinary).category == "0701"


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.sampled_from([1, 2, 3, 4, 6, 12]),
)
def test_a_cycle_starts_on_the_first_of_an_aligned_month_before_the_moment(moment: datetime, months: int) -> None:
    start = cycle_start(moment, months)
    local = moment.astimezone(ZONE)
    assert start <= moment and start.day == 1 and (start.month - 1) % months == 0
    assert (local.year * 12 + local.month) - (start.year * 12 + start.month) < months


def test_month_days() -> None:
    assert len(month_days("2026-02")) == 28 and len(month_days("2026-12")) == 31
    with pytest.raises(InvalidInput):
        month_days("2026-13")


def test_tally_counts_numerators_and_denominators_per_area() -> None:
    now = datetime(2026, 12, 20, tzinfo=UTC)
    places = [("1/11/", True), ("1/11/", False), ("1/12/", True)]
    findings = [
        ("1/11/", "rectified", datetime(2026, 12, 10, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC)),
        ("1/11/", "rectified", datetime(2026, 12, 10, tzinfo=UTC), datetime(2026, 12, 12, tzinfo=UTC)),
        ("1/11/", "open", datetime(2026, 12, 10, tzinfo=UTC), None),
        ("1/12/", "open", datetime(2026, 12, 30, tzinfo=UTC), None),
    ]
    out = tally(places, findings, lambda p: p.split("/")[1], now)
    a, b = out["11"], out["12"]
    assert (a.places, a.checked, a.found, a.rectified, a.on_time, a.overdue) == (2, 1, 3, 2, 1, 1)
    assert (b.places, b.checked, b.found, b.rectified, b.overdue) == (1, 1, 1, 0, 0)
