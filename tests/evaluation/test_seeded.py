"""Indicators on a seeded dataset whose answers were counted by hand (stories.py): every count of every
level equals the hand count, the 金华 rule changes exactly the rates it should, and the drill-down lists
exactly the cases behind a figure. On SQLite and PostgreSQL; each twice: with the per-case facts derived from
the events when read (nothing stored yet) and with them stored by the catch-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from gridgov.evaluation.documents import Level
from gridgov.evaluation.indicators import Counts
from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import Evaluation, EvaluationService
from gridgov.org.enums import Role
from tests.evaluation.stories import OCTOBER, Story, october_stories, t
from tests.factories import FUCHUN, WANSHI, build_county, create_person

NOW = t(11, 20)


@dataclass
class Seeded:
    stories: dict[str, Story]
    numbers: dict[str, str]
    reporters: dict[str, int]
    evaluation: Evaluation
    service: EvaluationService


@pytest.fixture(params=["derived", "stored"])
def seeded(session: Session, request: pytest.FixtureRequest) -> Seeded:
    from tests.evaluation.stories import insert

    county = build_county(session)
    fuchun_member = create_person(session, county, [(Role.grid_member, FUCHUN)], name="富春网格员")
    wanshi_member = create_person(session, county, [(Role.grid_member, WANSHI)], name="万市网格员")
    stories = {s.name[0]: s for s in october_stories(county.units["WS-GDS"].id)}
    numbers, reporters = {}, {}
    for index, (letter, story) in enumerate(sorted(stories.items()), start=1):
        reporter = wanshi_member.id if story.township == WANSHI else fuchun_member.id
        numbers[letter] = insert(session, story, f"T2026{index:05d}", reporter).number
        reporters[letter] = reporter
    service = EvaluationService(session, clock=lambda: NOW)
    if request.param == "stored":
        assert service.catch_up(batch=3) > 0  # several batches of case ids
    evaluation = service.evaluate(Period.parse(OCTOBER), None, cached=False)
    return Seeded(stories, numbers, reporters, evaluation, service)


def _keys(story: Story, letter: str, seeded: Seeded, level: Level) -> list[str]:
    if level is Level.county:
        return ["330111"]
    if level is Level.township:
        return [story.township]
    if level is Level.village:
        return [story.village]
    if level is Level.grid:
        return [story.village + "001"]
    if level is Level.unit:
        return ["WS-GDS"] if story.unit else []
    return [str(seeded.reporters[letter])]


def _hand_count(seeded: Seeded, level: Level) -> dict[str, dict[str, int]]:
    expected: dict[str, dict[str, int]] = {}
    for letter, story in seeded.stories.items():
        for key in _keys(story, letter, seeded, level):
            bucket = expected.setdefault(key, dict.fromkeys(Counts.KEYS, 0))
            for name in story.counts:
                bucket[name] += 1
    return {k: v for k, v in expected.items() if any(v.values())}


def test_the_county_totals_read_off_the_stories(seeded: Seeded) -> None:
    county = seeded.evaluation.get(Level.county, "330111").counts
    assert (county.received, county.filed, county.filed_on_time, county.public_filed) == (12, 10, 9, 1)
    assert (county.dispatched, county.accurate_dispatched, county.returned) == (9, 8, 1)
    assert (county.due_handle, county.handled, county.handled_on_time) == (10, 7, 5)
    assert (county.extended, county.overdue_waiting) == (1, 1)
    assert (county.due_close, county.closed, county.closed_on_time) == (13, 8, 6)
    assert (county.reworked, county.reworked3, county.deferred, county.hung) == (2, 1, 1, 1)


@pytest.mark.parametrize("level", [Level.county, Level.township, Level.village, Level.grid, Level.unit, Level.member])
def test_every_count_of_every_unit_equals_the_hand_count(seeded: Seeded, level: Level) -> None:
    expected = _hand_count(seeded, level)
    got = {
        u.key: {k: getattr(u.counts, k) for k in Counts.KEYS}
        for u in seeded.evaluation.level(level)
        if any(getattr(u.counts, k) for k in Counts.KEYS)
    }
    assert got == expected


def test_emergency_counts_and_rates(seeded: Seeded) -> None:
    wanshi = seeded.evaluation.get(Level.township, WANSHI)
    assert (wanshi.urgent.due_close, wanshi.urgent.closed, wanshi.urgent.closed_on_time) == (2, 2, 1)
    _name, rules = seeded.service.rule_set("national")
    rates = wanshi.rates(rules)
    assert (rates["urgent_close_rate"].numerator, rates["urgent_close_rate"].denominator) == (2, 2)
    assert rates["urgent_on_time_close_rate"].value == pytest.approx(0.5)


def test_rates_show_numerator_and_denominator(seeded: Seeded) -> None:
    _name, rules = seeded.service.rule_set("national")
    rates = seeded.evaluation.get(Level.county, "330111").rates(rules)
    assert (rates["close_rate"].numerator, rates["close_rate"].denominator) == (8, 13)
    assert rates["close_rate"].percent == "61.54%"
    assert (rates["on_time_handle_rate"].numerator, rates["on_time_handle_rate"].denominator) == (5, 10)
    assert (rates["accurate_dispatch_rate"].numerator, rates["accurate_dispatch_rate"].denominator) == (8, 9)
    assert (rates["public_report_rate"].numerator, rates["public_report_rate"].denominator) == (1, 10)
    assert (rates["overdue_rate"].numerator, rates["extension_rate"].numerator) == (1, 1)


def test_jinhua_rule_changes_exactly_the_closing_rates(seeded: Seeded) -> None:
    _n, national = seeded.service.rule_set("national")
    _j, jinhua = seeded.service.rule_set("jinhua")
    for unit in seeded.evaluation.level(Level.township) + seeded.evaluation.level(Level.county):
        before, after = unit.rates(national), unit.rates(jinhua)
        changed = {k for k in before if before[k].as_dict() | {"excluded": []} != after[k].as_dict() | {"excluded": []}}
        # 富春街道 holds the one deferred case (F): only its closing rates and the county's move
        expect = {"close_rate", "on_time_close_rate"} if unit.counts.deferred else set()
        assert changed == expect, unit.key
        for key in changed:
            assert after[key].denominator == before[key].denominator - unit.counts.deferred
            assert after[key].numerator == before[key].numerator
    county = seeded.evaluation.get(Level.county, "330111").rates(jinhua)
    assert (county["close_rate"].numerator, county["close_rate"].denominator) == (8, 12)
    assert (county["on_time_close_rate"].numerator, county["on_time_close_rate"].denominator) == (6, 12)


def test_handling_hours_mean_and_p90(seeded: Seeded) -> None:
    county = seeded.evaluation.get(Level.county, "330111")
    assert county.counts.mean_handle_hours == pytest.approx(704 / 7)
    assert county.p90_hours == pytest.approx(168)
    assert seeded.evaluation.get(Level.township, FUCHUN).p90_hours == pytest.approx(168)
    wanshi = seeded.evaluation.get(Level.township, WANSHI)
    assert wanshi.p90_hours == pytest.approx(120)
    assert wanshi.counts.mean_handle_hours == pytest.approx((80 + 48 + 120) / 3)
    assert seeded.evaluation.get(Level.unit, "WS-GDS").p90_hours == pytest.approx(120)


@pytest.mark.parametrize(
    ("level", "key"),
    [(Level.county, "330111"), (Level.township, FUCHUN), (Level.village, "330111100001"), (Level.unit, "WS-GDS")],
)
def test_drill_down_lists_exactly_the_cases_counted(seeded: Seeded, level: Level, key: str) -> None:
    period = Period.parse(OCTOBER)
    for count in Counts.KEYS:
        expected = {
            seeded.numbers[letter]
            for letter, story in seeded.stories.items()
            if count in story.counts and key in _keys(story, letter, seeded, level)
        }
        numbers, total = seeded.service.drill(period, None, level, key, count, limit=100)
        assert set(numbers) == expected, count
        assert total == len(expected) == getattr(seeded.evaluation.get(level, key).counts, count)


def test_drill_down_of_a_jinhua_denominator_leaves_the_deferred_case_out(seeded: Seeded) -> None:
    period = Period.parse(OCTOBER)
    _j, jinhua = seeded.service.rule_set("jinhua")
    _num, base, excluded, urgent = seeded.service.rate_parts("close_rate", jinhua)
    numbers, total = seeded.service.drill(period, None, Level.county, "330111", base, exclude=excluded)
    assert total == 12 and seeded.numbers["F"] not in numbers and len(numbers) == 12


def test_a_unit_without_cases_in_scope_is_absent(seeded: Seeded) -> None:
    scoped = seeded.service.evaluate(Period.parse(OCTOBER), ["330111/330111100/"], cached=False)
    assert [u.key for u in scoped.level(Level.township)] == [WANSHI]
    assert scoped.get(Level.county, "330111").counts.received == 4


def test_september_is_its_own_period(seeded: Seeded) -> None:
    september = seeded.service.evaluate(Period.parse("2026-09"), None, cached=False)
    county = september.get(Level.county, "330111").counts
    # N closed in September; A, O, F, Q received then; O handled then
    assert (county.received, county.closed, county.handled) == (5, 1, 2)
    assert isinstance(september.computed_at, datetime)
