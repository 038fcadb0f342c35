"""The CP-SAT roster keeps every hard rule, weighs fairness, and says why a month cannot be staffed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from gridgov.inspection.roster import (
    CONSECUTIVE,
    COVERAGE,
    STAFF,
    Assignment,
    PersonSpec,
    PostSpec,
    Problem,
    Rules,
    ShiftSpec,
    solve,
    violations,
)

DAYS = tuple(date(2026, 12, 1) + timedelta(days=d) for d in range(14))
SHIFTS = (
    ShiftSpec("day", 8 * 60, 480, False, {"leader": 1, "member": 1}),
    ShiftSpec("evening", 16 * 60, 480, False, {"member": 1}),
    ShiftSpec("night", 0, 480, True, {"member": 1}),
)
POSTS = (PostSpec("A", SHIFTS), PostSpec("B", SHIFTS))
RULES = Rules(max_consecutive_days=5, min_rest_hours=12, max_week_hours=40, time_limit_seconds=5)


def _people(count: int, away: frozenset[date] = frozenset()) -> tuple[PersonSpec, ...]:
    people = []
    for i in range(count):
        posts = {"A": frozenset({"member"})} if i % 2 else {"B": frozenset({"member"})}
        if i % 5 == 0:
            posts = {"A": frozenset({"member"}), "B": frozenset({"member"})}
        people.append(PersonSpec(i + 1, posts, away if i == 0 else frozenset()))
    leaders = [PersonSpec(100 + i, {"A": frozenset({"leader"}), "B": frozenset({"leader"})}) for i in range(5)]
    return (*people, *leaders)


PROBLEM = Problem(DAYS, POSTS, _people(20, frozenset({DAYS[3]})), RULES, frozenset(d for d in DAYS if d.weekday() >= 5))


def test_a_month_keeps_every_hard_rule() -> None:
    solution = solve(PROBLEM)
    assert solution.status in ("optimal", "feasible")
    assert violations(PROBLEM, solution.assignments) == []
    assert len(solution.assignments) == len(DAYS) * 2 * 4
    assert solution.gap is not None and solution.gap >= 0
    assert not any(a.person_id == 1 and a.day == DAYS[3] for a in solution.assignments), "unavailable day"
    nights: dict[int, int] = {}
    for a in solution.assignments:
        if a.shift == "night":
            nights[a.person_id] = nights.get(a.person_id, 0) + 1
    assert max(nights.values()) <= 4, "night shifts are shared out (fairness)"


def test_the_checker_catches_each_broken_rule() -> None:
    solution = solve(PROBLEM)
    first = solution.assignments[0]
    broken = [
        *solution.assignments[1:],
        replace(first, person_id=999),
    ]
    found = violations(PROBLEM, broken)
    assert any("not eligible" in v for v in found)
    same = [a for a in solution.assignments if a.person_id == first.person_id]
    tight = [*solution.assignments, replace(same[0], start=same[0].end, end=same[0].end + timedelta(hours=8))]
    assert any("(rest)" in v for v in violations(PROBLEM, tight))
    run = [
        Assignment(
            1,
            "A",
            d,
            "evening",
            "member",
            *(
                (t := __import__("datetime").datetime.combine(d, __import__("datetime").time(16))),
                t + timedelta(hours=8),
            ),
        )
        for d in DAYS[:7]
    ]
    assert any("consecutive" in v for v in violations(PROBLEM, run))
    assert any("h in week" in v for v in violations(PROBLEM, run))


def test_too_few_people_for_a_shift_is_explained_by_post_day_and_role() -> None:
    away = frozenset({DAYS[2]})
    people = tuple(
        PersonSpec(100 + i, {"A": frozenset({"leader"}), "B": frozenset({"leader"})}, away) for i in range(2)
    )
    problem = replace(PROBLEM, people=(*_people(20), *people))
    problem = replace(problem, people=tuple(p for p in problem.people if p.id < 100 or p.unavailable))
    solution = solve(problem)
    assert solution.status == "infeasible"
    reason = solution.reasons[0]
    assert (reason.rule, reason.post, reason.day, reason.role) == (STAFF, "A", DAYS[2], "leader")


def test_a_rule_that_cannot_hold_is_named_with_the_posts_and_days() -> None:
    people = tuple(PersonSpec(i, {"A": frozenset({"member", "leader"})}) for i in range(4))
    shifts = (ShiftSpec("day", 8 * 60, 480, False, {"member": 1}),)
    problem = Problem(
        DAYS[:7], (PostSpec("A", shifts),), people[:1], replace(RULES, max_consecutive_days=5, max_week_hours=168)
    )
    solution = solve(problem)
    assert solution.status == "infeasible"
    rules = {r.rule for r in solution.reasons}
    assert CONSECUTIVE in rules and COVERAGE in rules
    assert all(r.post == "A" for r in solution.reasons if r.rule == COVERAGE)
