"""A month's duty roster (排班) solved with OR-Tools CP-SAT, and the check of every hard rule on any roster (pure).

Hard rules, never broken: every shift gets exactly the people it needs per role (值守人数); a person works only
at posts and in roles they belong to and never on a day they are unavailable; no two shifts of one person overlap
or leave less than the minimum rest between them (最少休息); at most N consecutive working days (轮班轮换); at most
H hours per calendar week. Soft rules, weighed in the objective: the most night shifts, the most holiday shifts
and the most shifts anyone gets (fairness). An infeasible month is explained by the rule, post and day that
cannot all hold (assumption literals and ``sufficient_assumptions_for_infeasibility``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from ortools.sat.python import cp_model

DAY_MINUTES = 1440
COVERAGE, STAFF, REST, CONSECUTIVE, WEEKLY = "coverage", "staff", "min_rest", "max_consecutive", "max_week_hours"
LARGE = 20_000
"""Variables (roughly) above which a month is solved in chunks of posts."""
CHUNK_POSTS = 1


@dataclass(frozen=True)
class ShiftSpec:
    code: str
    start_minute: int
    """Minutes after midnight of the shift's day."""
    minutes: int
    night: bool
    required: Mapping[str, int]
    """Role → people needed (e.g. ``{"leader": 1, "member": 2}``)."""


@dataclass(frozen=True)
class PostSpec:
    code: str
    shifts: tuple[ShiftSpec, ...]


@dataclass(frozen=True)
class PersonSpec:
    id: int
    posts: Mapping[str, frozenset[str]]
    """Post code → the roles the person may take there."""
    unavailable: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Rules:
    max_consecutive_days: int = 6
    min_rest_hours: float = 12.0
    max_week_hours: float = 48.0
    night_weight: int = 10
    holiday_weight: int = 10
    load_weight: int = 1
    time_limit_seconds: float = 20.0
    workers: int = 2


@dataclass(frozen=True)
class Problem:
    days: tuple[date, ...]
    posts: tuple[PostSpec, ...]
    people: tuple[PersonSpec, ...]
    rules: Rules = Rules()
    holidays: frozenset[date] = frozenset()
    """Rest days and public holidays (节假日) whose shifts count for holiday fairness."""


@dataclass(frozen=True)
class Assignment:
    person_id: int
    post: str
    day: date
    shift: str
    role: str
    start: datetime
    """Local wall time."""
    end: datetime


@dataclass(frozen=True)
class Reason:
    rule: str
    post: str | None = None
    day: date | None = None
    shift: str | None = None
    role: str | None = None
    detail: str = ""


@dataclass
class Solution:
    status: str
    """optimal / feasible / infeasible / unknown (no roster within the time limit)."""
    assignments: list[Assignment] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    reasons: list[Reason] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """Relative gap between the roster found and the solver's bound (0 when proved optimal)."""
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))


@dataclass(frozen=True)
class _Var:
    person: int
    post: str
    day_index: int
    shift: ShiftSpec = field(compare=False, hash=False)
    shift_code: str = ""
    role: str = ""

    @property
    def start(self) -> int:
        return self.day_index * DAY_MINUTES + self.shift.start_minute

    @property
    def end(self) -> int:
        return self.start + self.shift.minutes


def _staffing(problem: Problem) -> list[Reason]:
    """Shifts that fewer eligible, available people could fill than they need: infeasible whatever the rules."""
    reasons = []
    for post in problem.posts:
        for shift in post.shifts:
            for role, needed in shift.required.items():
                eligible = [p for p in problem.people if role in p.posts.get(post.code, frozenset())]
                for day in problem.days:
                    count = sum(1 for p in eligible if day not in p.unavailable)
                    if count < needed:
                        detail = f"needs {needed} {role}, {count} eligible and available"
                        reasons.append(Reason(STAFF, post.code, day, shift.code, role, detail))
    return reasons


class _Model:
    def __init__(self, problem: Problem, explain: bool) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self.explain = explain
        self.literals: dict[int, Reason] = {}
        self._by_reason: dict[Reason, cp_model.IntVar] = {}
        self.x: dict[_Var, cp_model.IntVar] = {}
        posts = {p.code: p for p in problem.posts}
        for person in problem.people:
            for post_code, roles in sorted(person.posts.items()):
                post = posts.get(post_code)
                if post is None:
                    continue
                for d, day in enumerate(problem.days):
                    if day in person.unavailable:
                        continue
                    for shift in post.shifts:
                        for role in sorted(roles):
                            if shift.required.get(role, 0) > 0:
                                key = _Var(person.id, post_code, d, shift, shift.code, role)
                                self.x[key] = self.model.new_bool_var("")

    def guard(self, reason: Reason) -> list[cp_model.IntVar]:
        """The enforcement literal of a group of constraints (explain mode), else none."""
        if not self.explain:
            return []
        literal = self._by_reason.get(reason)
        if literal is None:
            literal = self._by_reason[reason] = self.model.new_bool_var(f"{reason.rule}")
            self.literals[literal.index] = reason
        return [literal]

    def build(self) -> None:
        problem, model, rules = self.problem, self.model, self.problem.rules
        slots: dict[tuple[str, int, str, str], list[cp_model.IntVar]] = defaultdict(list)
        by_person: dict[int, list[_Var]] = defaultdict(list)
        for key, var in self.x.items():
            slots[(key.post, key.day_index, key.shift.code, key.role)].append(var)
            by_person[key.person].append(key)
        for post in problem.posts:
            for d, day in enumerate(problem.days):
                guard = self.guard(Reason(COVERAGE, post.code, day))
                for shift in post.shifts:
                    for role, needed in shift.required.items():
                        ct = model.add(sum(slots.get((post.code, d, shift.code, role), [])) == needed)
                        ct.only_enforce_if(guard)
        rest = round(rules.min_rest_hours * 60)
        weeks = _weeks(problem.days)
        nights, holidays, loads = [], [], []
        for keys in by_person.values():
            keys.sort(key=lambda k: (k.start, k.end))
            for i, first in enumerate(keys):
                window = [self.x[first]]
                for other in keys[i + 1 :]:
                    if other.start >= first.end + rest:
                        break
                    window.append(self.x[other])
                if len(window) > 1:
                    guard = self.guard(Reason(REST, day=problem.days[first.day_index]))
                    model.add_at_most_one(window).only_enforce_if(guard)
            works = [model.new_bool_var("") for _ in problem.days]
            for key in keys:
                model.add_implication(self.x[key], works[key.day_index])
            span = rules.max_consecutive_days + 1
            for start in range(len(problem.days) - span + 1):
                guard = self.guard(Reason(CONSECUTIVE, day=problem.days[start]))
                model.add(sum(works[start : start + span]) <= rules.max_consecutive_days).only_enforce_if(guard)
            for week in weeks:
                in_week = [k for k in keys if k.day_index in week]
                if sum(k.shift.minutes for k in in_week) > rules.max_week_hours * 60:
                    guard = self.guard(Reason(WEEKLY, day=problem.days[week[0]]))
                    total = sum(k.shift.minutes * self.x[k] for k in in_week)
                    model.add(total <= round(rules.max_week_hours * 60)).only_enforce_if(guard)
            nights.append(sum(self.x[k] for k in keys if k.shift.night))
            holidays.append(sum(self.x[k] for k in keys if problem.days[k.day_index] in problem.holidays))
            loads.append(sum(self.x[k] for k in keys))
        if self.explain:
            return
        horizon = len(problem.days) * 3
        terms = []
        for weight, counts in (
            (rules.night_weight, nights),
            (rules.holiday_weight, holidays),
            (rules.load_weight, loads),
        ):
            if weight and counts:
                most = model.new_int_var(0, horizon, "")
                for count in counts:
                    model.add(count <= most)
                terms.append(weight * most)
        if terms:
            model.minimize(sum(terms))


def _greedy(problem: Problem, keys: Sequence[_Var]) -> set[_Var]:
    """A roster built day by day, slot by slot, keeping every hard rule, that CP-SAT starts from (a hint): each
    slot goes to the eligible person who did the same shift at the same post last, else to the least loaded.
    Slots it cannot fill stay empty; the solver repairs the rest."""
    rules = problem.rules
    rest = round(rules.min_rest_hours * 60)
    slots: dict[tuple[str, int, str, str], list[_Var]] = defaultdict(list)
    for key in keys:
        slots[(key.post, key.day_index, key.shift_code, key.role)].append(key)
    last_end: dict[int, int] = {}
    last_slot: dict[int, tuple[str, str]] = {}
    run: dict[int, tuple[int, int]] = {}
    load: dict[int, int] = defaultdict(int)
    week_minutes: dict[tuple[int, int], int] = defaultdict(int)
    week_of = {i: w for w, days in enumerate(_weeks(problem.days)) for i in days}
    chosen: set[_Var] = set()
    for d in range(len(problem.days)):
        today = sorted(
            ((post, shift) for post in problem.posts for shift in post.shifts), key=lambda ps: ps[1].start_minute
        )
        for post, shift in today:
            for role, needed in shift.required.items():

                def fits(k: _Var, d: int = d) -> bool:
                    last_day, length = run.get(k.person, (-2, 0))
                    days = length + 1 if last_day == d - 1 else 1 if last_day != d else rules.max_consecutive_days + 1
                    return (
                        k.start >= last_end.get(k.person, -(10**9)) + rest
                        and days <= rules.max_consecutive_days
                        and week_minutes[(k.person, week_of[d])] + k.shift.minutes <= rules.max_week_hours * 60
                    )

                candidates = [k for k in slots.get((post.code, d, shift.code, role), []) if fits(k)]
                candidates.sort(key=lambda k: (last_slot.get(k.person) != (k.post, k.shift_code), load[k.person]))
                for k in candidates[:needed]:
                    chosen.add(k)
                    last_day, length = run.get(k.person, (-2, 0))
                    run[k.person] = (d, length + 1 if last_day == d - 1 else 1)
                    last_end[k.person], last_slot[k.person] = k.end, (k.post, k.shift_code)
                    load[k.person] += 1
                    week_minutes[(k.person, week_of[d])] += k.shift.minutes
    return chosen


def _weeks(days: Sequence[date]) -> list[list[int]]:
    """Indexes of ``days`` grouped by ISO week (partial weeks at the month's ends included)."""
    grouped: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        iso = day.isocalendar()
        grouped[(iso.year, iso.week)].append(i)
    return list(grouped.values())


def _status(code: cp_model.CpSolverStatus) -> str:
    names: dict[cp_model.CpSolverStatus, str] = {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "invalid",
    }
    return names.get(code, "unknown")


def solve(problem: Problem, chunk_posts: int = CHUNK_POSTS) -> Solution:
    """The month's roster, or why there is none. A problem of more than ``LARGE`` variables is solved in chunks
    of ``chunk_posts`` posts (each person serves only in the chunk of their first post), each within an equal
    share of the time left (at least 2 s): every hard rule still holds; the bound is that of the decomposed
    problem."""
    began = time.perf_counter()
    staffing = _staffing(problem)
    if staffing:
        return Solution("infeasible", seconds=time.perf_counter() - began, reasons=staffing)
    size = sum(len(p.posts) for p in problem.people) * len(problem.days) * 3
    if size <= LARGE or len(problem.posts) <= chunk_posts:
        return _solve_whole(problem, began)
    chunks = [problem.posts[i : i + chunk_posts] for i in range(0, len(problem.posts), chunk_posts)]
    home = {post.code: n for n, chunk in enumerate(chunks) for post in chunk}
    found: list[Assignment] = []
    bounds: list[float] = []
    worst: float | None = None  # the roster's objective so far: the most loaded person of the chunks solved
    for n, chunk in enumerate(chunks):
        people = []
        for person in problem.people:
            posts = {c: r for c, r in person.posts.items() if c in home}
            if posts and home[min(posts)] == n:
                people.append(replace(person, posts={c: r for c, r in posts.items() if home[c] == n}))
        left = problem.rules.time_limit_seconds - (time.perf_counter() - began)
        rules = replace(problem.rules, time_limit_seconds=max(2.0, left / (len(chunks) - n)))
        part = _solve_whole(
            replace(problem, posts=chunk, people=tuple(people), rules=rules), time.perf_counter(), good_enough=worst
        )
        if part.status not in ("optimal", "feasible"):
            return Solution(part.status, seconds=time.perf_counter() - began, reasons=part.reasons)
        bounds.append(part.bound or 0.0)
        worst = max(worst or 0.0, part.objective or 0.0)
        found += part.assignments
    found.sort(key=lambda a: (a.day, a.start, a.post, a.role, a.person_id))
    objective = _objective(problem, found)
    status = "optimal" if objective <= max(bounds) + 1e-9 else "feasible"
    return Solution(status, found, objective, max(bounds), time.perf_counter() - began)


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Ends the search at the first solution whose objective is at most ``target``: a chunk's min-max cannot
    lower the month's, which the chunks already solved have set."""

    def __init__(self, target: float) -> None:
        super().__init__()
        self.target = target

    def on_solution_callback(self) -> None:
        if self.objective_value <= self.target + 1e-9:
            self.stop_search()


def _objective(problem: Problem, assignments: Sequence[Assignment]) -> float:
    """The weighed soft rules of a roster, as the model prices them."""
    rules = problem.rules
    nights: dict[int, int] = defaultdict(int)
    holidays: dict[int, int] = defaultdict(int)
    loads: dict[int, int] = defaultdict(int)
    night_shifts = {(p.code, s.code) for p in problem.posts for s in p.shifts if s.night}
    for a in assignments:
        nights[a.person_id] += (a.post, a.shift) in night_shifts
        holidays[a.person_id] += a.day in problem.holidays
        loads[a.person_id] += 1
    return float(
        rules.night_weight * max(nights.values(), default=0)
        + rules.holiday_weight * max(holidays.values(), default=0)
        + rules.load_weight * max(loads.values(), default=0)
    )


def _solve_whole(problem: Problem, began: float, good_enough: float | None = None) -> Solution:
    built = _Model(problem, explain=False)
    built.build()
    hinted = _greedy(problem, list(built.x))
    for key, var in built.x.items():
        built.model.add_hint(var, key in hinted)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = problem.rules.time_limit_seconds
    solver.parameters.num_workers = problem.rules.workers
    code = solver.solve(built.model, _StopAt(good_enough) if good_enough is not None else None)
    status = _status(code)
    if status == "infeasible":
        return Solution(status, seconds=time.perf_counter() - began, reasons=explain(problem))
    if status not in ("optimal", "feasible"):
        return Solution(status, seconds=time.perf_counter() - began)
    assignments = [_assignment(problem, key) for key, var in built.x.items() if solver.boolean_value(var)]
    assignments.sort(key=lambda a: (a.day, a.start, a.post, a.role, a.person_id))
    return Solution(
        status,
        assignments,
        objective=solver.objective_value,
        bound=solver.best_objective_bound,
        seconds=time.perf_counter() - began,
    )


def explain(problem: Problem, time_limit: float = 30.0) -> list[Reason]:
    """A set of (rule, post, day) groups that cannot all hold: each group of constraints is guarded by an
    assumption literal, and CP-SAT names a sufficient subset of the assumptions."""
    staffing = _staffing(problem)
    if staffing:
        return staffing
    built = _Model(problem, explain=True)
    built.build()
    built.model.add_assumptions([built.model.get_bool_var_from_proto_index(i) for i in built.literals])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    if solver.solve(built.model) != cp_model.INFEASIBLE:
        return []
    found = [built.literals[i] for i in solver.sufficient_assumptions_for_infeasibility()]
    return sorted(found, key=lambda r: (r.rule, r.day or date.min, r.post or ""))


def _assignment(problem: Problem, key: _Var) -> Assignment:
    day = problem.days[key.day_index]
    start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=key.shift.start_minute)
    return Assignment(
        key.person, key.post, day, key.shift.code, key.role, start, start + timedelta(minutes=key.shift.minutes)
    )


def violations(problem: Problem, assignments: Iterable[Assignment]) -> list[str]:
    """Every broken hard rule of a roster, in words (empty: the roster keeps them all)."""
    found: list[str] = []
    rules = problem.rules
    people = {p.id: p for p in problem.people}
    shifts = {(post.code, s.code): s for post in problem.posts for s in post.shifts}
    filled: dict[tuple[str, date, str, str], int] = defaultdict(int)
    mine: dict[int, list[Assignment]] = defaultdict(list)
    for a in assignments:
        filled[(a.post, a.day, a.shift, a.role)] += 1
        mine[a.person_id].append(a)
        person = people.get(a.person_id)
        if person is None or a.role not in person.posts.get(a.post, frozenset()):
            found.append(f"{a.person_id} not eligible as {a.role} at {a.post}")
        elif a.day in person.unavailable:
            found.append(f"{a.person_id} unavailable on {a.day}")
        if (a.post, a.shift) not in shifts:
            found.append(f"no shift {a.shift} at {a.post}")
    for post in problem.posts:
        for shift in post.shifts:
            for role, needed in shift.required.items():
                for day in problem.days:
                    got = filled.get((post.code, day, shift.code, role), 0)
                    if got != needed:
                        found.append(f"{post.code} {day} {shift.code} {role}: {got} of {needed}")
    rest = timedelta(hours=rules.min_rest_hours)
    for person_id, own in mine.items():
        own.sort(key=lambda a: a.start)
        for before, after in zip(own, own[1:], strict=False):
            if after.start < before.end + rest:
                found.append(f"{person_id}: {before.start}–{before.end} then {after.start} (rest)")
        days = sorted({a.day for a in own})
        run = 1
        for previous, day in zip(days, days[1:], strict=False):
            run = run + 1 if day - previous == timedelta(days=1) else 1
            if run > rules.max_consecutive_days:
                found.append(f"{person_id}: {run} consecutive days to {day}")
        weekly: dict[tuple[int, int], float] = defaultdict(float)
        for a in own:
            iso = a.day.isocalendar()
            weekly[(iso.year, iso.week)] += (a.end - a.start).total_seconds() / 3600
        found += [f"{person_id}: {h:g} h in week {w}" for w, h in weekly.items() if h > rules.max_week_hours]
    return found
