"""The pure logic, by property: periods tile time, rates stay within their denominators and the rule sets
only shrink the denominators they name, scores respect their schemes, ranking honours the minimum sample,
and flags follow the configured rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.evaluation.cockpit import summarise_open
from gridgov.evaluation.documents import FLAGS, RULES, SCORING, Level, Rules
from gridgov.evaluation.indicators import RATES, Counts, check_rule_set, percentile_rank, rates
from gridgov.evaluation.periods import Period, PeriodKind, recent_months
from gridgov.evaluation.repository import OpenGroup
from gridgov.evaluation.scoring import (
    Colour,
    Entry,
    FlagRule,
    assign_flags,
    rank,
    score,
)
from gridgov.evaluation.service import p90_by_key

NATIONAL = RULES.default().rule_set("national")
JINHUA = RULES.default().rule_set("jinhua")
SCHEMES = SCORING.default().schemes


@st.composite
def counts(draw: st.DrawFn) -> Counts:
    """Counts that respect the definitions: every numerator is a subset of its pool."""
    n = st.integers(0, 60)
    c = Counts()
    c.filed = draw(n)
    c.received = c.filed + draw(n)
    c.filed_on_time = draw(st.integers(0, c.filed))
    c.public_filed = draw(st.integers(0, c.filed))
    c.dispatched = draw(n)
    c.returned = draw(st.integers(0, c.dispatched))
    c.accurate_dispatched = c.dispatched - c.returned
    c.due_handle = draw(n)
    c.handled = draw(st.integers(0, c.due_handle))
    c.handled_on_time = draw(st.integers(0, c.handled))
    c.extended = draw(st.integers(0, c.due_handle))
    c.overdue_waiting = draw(st.integers(0, c.due_handle - c.handled))
    c.due_close = draw(n)
    c.closed = draw(st.integers(0, c.due_close))
    c.closed_on_time = draw(st.integers(0, c.closed))
    c.reworked = draw(st.integers(0, c.due_close))
    c.reworked3 = draw(st.integers(0, c.reworked))
    c.deferred = draw(st.integers(0, c.due_close - c.closed))
    c.hung = draw(st.integers(0, c.due_close - c.closed - c.deferred))
    return c


@given(st.integers(2000, 2100), st.sampled_from(list(PeriodKind)), st.integers(1, 12))
def test_periods_tile_time(year: int, kind: PeriodKind, index: int) -> None:
    top = {PeriodKind.month: 12, PeriodKind.quarter: 4, PeriodKind.year: 1}[kind]
    period = Period(year, kind, min(index, top))
    start, end = period.bounds()
    assert start < end and period.next().bounds()[0] == end and period.previous().bounds()[1] == start
    assert Period.parse(period.key) == period and period.next().previous() == period
    assert timedelta(days=28) * period.months <= end - start <= timedelta(days=31) * period.months


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)))
def test_a_moment_lies_in_its_month(moment: datetime) -> None:
    start, end = Period.month_of(moment).bounds()
    assert start <= moment < end
    months = recent_months(moment, 6)
    assert len(months) == 6 and months[-1] == Period.month_of(moment)


def test_bad_periods_are_refused() -> None:
    for text in ("2026-13", "26-01", "2026-Q5", "2026/01"):
        with pytest.raises(ValueError):
            Period.parse(text)


@given(counts(), counts())
def test_rates_stay_within_their_denominators(all_cases: Counts, urgent: Counts) -> None:
    for rules in (NATIONAL, JINHUA):
        for key, r in rates(all_cases, urgent, rules).items():
            assert 0 <= r.numerator <= r.denominator or r.denominator == 0, key
            assert (r.value is None) == (r.denominator == 0)
            if r.value is not None:
                assert 0.0 <= r.value <= 1.0


@given(counts(), counts())
def test_jinhua_only_shrinks_the_denominators_it_names(all_cases: Counts, urgent: Counts) -> None:
    national, jinhua = rates(all_cases, urgent, NATIONAL), rates(all_cases, urgent, JINHUA)
    for definition in RATES:
        a, b = national[definition.key], jinhua[definition.key]
        assert a.numerator == b.numerator
        if definition.key in JINHUA:
            source = urgent if definition.urgent else all_cases
            assert b.denominator == a.denominator - source.deferred
        else:
            assert b.denominator == a.denominator


def test_rule_sets_refuse_what_is_not_a_subset() -> None:
    with pytest.raises(ValueError, match="handle_rate"):
        check_rule_set({"handle_rate": ("deferred",)})
    with pytest.raises(ValueError, match="unknown rate"):
        check_rule_set({"nope": ()})
    with pytest.raises(ValueError):
        Rules.model_validate({"default": "x", "rule_sets": {"national": {}}})


@given(counts(), counts())
def test_scores_stay_within_the_scheme(all_cases: Counts, urgent: Counts) -> None:
    jinniu = score(SCHEMES["jinniu"], rates(all_cases, urgent, NATIONAL), all_cases)
    assert 0 <= jinniu.total <= 100 + 1e-9
    jinhua = score(SCHEMES["jinhua"], rates(all_cases, urgent, JINHUA), all_cases)
    deductions = 0.2 * all_cases.reworked + 0.5 * all_cases.reworked3
    assert -deductions - 1e-9 <= jinhua.total <= 80 - deductions + 1e-9


def test_the_published_levels_score_as_the_rules_say() -> None:
    # 天门 2016-12: 911/972 = 93.72 % 结案率, 737/972 = 75.82 % 按期结案率
    c = Counts(due_close=972, closed=911, closed_on_time=737)
    r = rates(c, Counts(), NATIONAL)
    assert (r["close_rate"].percent, r["on_time_close_rate"].percent) == ("93.72%", "75.82%")
    jinhua = score(SCHEMES["jinhua"], rates(c, Counts(), JINHUA), c)
    assert jinhua.total == pytest.approx(50 + 20 + 10)  # both above the thresholds; no emergencies, no rework
    late = Counts(due_close=100, closed=85, closed_on_time=65, reworked=5, reworked3=1)
    jinhua = score(SCHEMES["jinhua"], rates(late, Counts(), JINHUA), late)
    # 65 % on time: 50 − 5; 85 % closed: 20 − 5; emergencies: none → 10; rework: −5×0.2 − 1×0.5
    assert jinhua.total == pytest.approx(45 + 15 + 10 - 1.0 - 0.5)
    perfect = Counts(due_handle=10, handled=10, handled_on_time=10, due_close=10)
    assert score(SCHEMES["jinniu"], rates(perfect, Counts(), NATIONAL), perfect).total == pytest.approx(100)


@given(counts(), st.integers(0, 5))
def test_a_better_on_time_rate_never_scores_lower(base: Counts, extra: int) -> None:
    better = Counts(**base.as_dict())  # type: ignore[arg-type]
    moved = min(extra, better.handled - better.handled_on_time)
    better.handled_on_time += moved
    for name, rules in (("jinniu", NATIONAL), ("jinhua", JINHUA)):
        a = score(SCHEMES[name], rates(base, Counts(), rules), base).total
        b = score(SCHEMES[name], rates(better, Counts(), rules), better).total
        assert b >= a - 1e-9


entries = st.lists(
    st.builds(
        Entry,
        key=st.text("abcdefgh", min_size=1, max_size=3),
        score=st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1))),
        sample=st.integers(0, 30),
        peer=st.sampled_from(["街道", "乡镇"]),
    ),
    max_size=25,
    unique_by=lambda e: e.key,
)


@given(entries, st.integers(1, 10))
def test_ranking_honours_the_minimum_sample(items: list[Entry], min_sample: int) -> None:
    ranked = rank(items, min_sample)
    assert sorted(r.key for r in ranked) == sorted(e.key for e in items)
    for r in ranked:
        if r.sample < min_sample or r.score is None:
            assert r.rank is None
        else:
            assert r.rank is not None
            better = [o for o in ranked if o.peer == r.peer and o.rank is not None and (o.score or 0) > (r.score or 0)]
            assert r.rank == len(better) + 1  # competition ranking: ties share, the next skips


def test_one_case_does_not_top_the_table() -> None:
    ranked = rank([Entry("lucky", 100.0, 1), Entry("busy", 92.0, 40), Entry("solid", 95.0, 30)], 5)
    assert [(r.key, r.rank) for r in ranked] == [("solid", 1), ("busy", 2), ("lucky", None)]


@given(entries, st.integers(1, 5), st.integers(1, 5), st.integers(1, 10))
def test_flags_follow_the_rule(items: list[Entry], top: int, bottom: int, min_sample: int) -> None:
    ranked = rank(items, min_sample)
    flags = assign_flags(ranked, FlagRule(top=top, bottom=bottom))
    for r in ranked:
        flag = flags.get(r.key)
        if r.rank is None:
            assert flag is None
            continue
        peers = [o for o in ranked if o.peer == r.peer and o.rank is not None]
        worse = sum(1 for o in peers if o.rank is not None and o.rank > r.rank)
        if r.rank <= top:
            assert flag is Colour.red
        elif worse < bottom:
            assert flag is Colour.yellow
        else:
            assert flag is None
    reds = [r for r in ranked if flags.get(r.key) is Colour.red]
    yellows = [r for r in ranked if flags.get(r.key) is Colour.yellow]
    for red in reds:
        assert all((red.score or 0) >= (y.score or 0) for y in yellows if y.peer == red.peer)


def test_threshold_flags() -> None:
    ranked = rank([Entry("a", 96.0, 9), Entry("b", 91.0, 9), Entry("c", 70.0, 9), Entry("d", 99.0, 1)], 5)
    assert assign_flags(ranked, FlagRule(min_score=95, below=80)) == {"a": Colour.red, "c": Colour.yellow}
    assert assign_flags(ranked, FlagRule(top=1, min_score=97)) == {}


@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=50))
def test_p90_is_a_value_with_nine_tenths_at_or_below(values: list[float]) -> None:
    p90 = percentile_rank(values)
    assert p90 in values
    assert sum(v <= p90 for v in values) >= 0.9 * len(values)
    assert sum(v < p90 for v in values) < 0.9 * len(values)


def test_shipped_documents_load() -> None:
    assert set(SCHEMES) == {"jinniu", "jinhua"} and FLAGS.default().levels


STATES = st.sampled_from(["reported", "filed", "dispatched", "handling", "handled", "verified", "deferred", "hung"])
GROUPS = st.lists(
    st.builds(
        OpenGroup,
        state=STATES,
        area=st.sampled_from([None, "A", "B"]),
        category=st.sampled_from(["0101", "0102", "0401"]),
        open=st.integers(1, 50),
        overdue=st.integers(0, 5),
        due_soon=st.integers(0, 5),
        supervised=st.integers(0, 5),
    ),
    max_size=20,
)


@given(GROUPS)
def test_open_figures_add_up(groups: list[OpenGroup]) -> None:
    figures = summarise_open(groups)
    total = sum(g.open for g in groups)
    assert figures.counters["open"] == total == sum(figures.majors.values())
    assert sum(n for n, _o in figures.areas.values()) == sum(g.open for g in groups if g.area is not None)
    assert figures.counters["overdue"] == sum(g.overdue for g in groups)
    assert figures.counters["waiting"] == sum(g.open for g in groups if g.state == "reported")


KEYED_HOURS = st.lists(
    st.tuples(
        st.tuples(
            st.sampled_from(["T1", "T2"]),
            st.sampled_from([None, "V1"]),
            st.none(),
            st.sampled_from([None, "7"]),
            st.none(),
        ),
        st.floats(0, 500),
    ),
    max_size=30,
)


@given(KEYED_HOURS)
def test_p90_by_key_is_the_nearest_rank_of_each_group(pairs: list[tuple[tuple[str | None, ...], float]]) -> None:
    found = p90_by_key(pairs)
    assert found[Level.county].get("") == percentile_rank([h for _k, h in pairs])
    for township in ("T1", "T2"):
        assert found[Level.township].get(township) == percentile_rank([h for k, h in pairs if k[0] == township])
    assert found[Level.unit].get("7") == percentile_rank([h for k, h in pairs if k[3] == "7"])
