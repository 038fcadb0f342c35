"""Duty rosters (值守排班): a month for an area's posts solved and stored, who is on duty now (the module's
answer to ``gridgov.org.duty.on_duty``), swaps asked and approved, GPS check-in, each person's iCalendar feed.
Flushes, never commits."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from gridgov.case.service import CaseService
from gridgov.configdata.service import load_document
from gridgov.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridgov.inspection.checklist import ZONE, month_days
from gridgov.inspection.documents import ROSTERS, RosterSettings
from gridgov.inspection.models import DutyAssignment, DutyPost, DutyRoster, DutySwap
from gridgov.inspection.repository import RosterRepository
from gridgov.inspection.roster import PersonSpec, PostSpec, Problem, ShiftSpec, Solution, solve, violations
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.org.duty import OnDuty
from gridgov.org.models import OrgNode

EARTH_METRES = 6_371_000.0


def shift_specs(post: DutyPost) -> tuple[ShiftSpec, ...]:
    specs = []
    for raw in post.shifts:
        hours, minutes = (int(p) for p in str(raw["start"]).split(":"))
        specs.append(
            ShiftSpec(
                code=str(raw["code"]),
                start_minute=hours * 60 + minutes,
                minutes=round(float(raw["hours"]) * 60),
                night=bool(raw.get("night", False)),
                required={str(k): int(v) for k, v in dict(raw["required"]).items()},
            )
        )
    return tuple(specs)


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_METRES * math.asin(math.sqrt(a))


class RosterService:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.repo = RosterRepository(session)
        self.clock = clock
        self._settings: RosterSettings | None = None

    @property
    def settings(self) -> RosterSettings:
        if self._settings is None:
            self._settings = load_document(self.session, ROSTERS)
        return self._settings

    def area_path(self, principal: Principal | None, code: str) -> str:
        node = self.session.query(OrgNode).filter(OrgNode.code == code).one_or_none()
        if node is None or (principal is not None and not principal.covers(node.path)):
            raise NotFound("区域不存在或不在您的辖区内 (no such area in your area)")
        return node.path

    def problem(
        self, posts: Sequence[DutyPost], month: str, workers: int = 2, time_limit: float | None = None
    ) -> Problem:
        days = tuple(month_days(month))
        members = self.repo.members([p.id for p in posts])
        codes = {p.id: p.code for p in posts}
        by_person: dict[int, dict[str, set[str]]] = {}
        away: dict[int, set[date]] = {}
        for m in members:
            by_person.setdefault(m.person_id, {}).setdefault(codes[m.post_id], set()).add(m.role)
            away.setdefault(m.person_id, set()).update(date.fromisoformat(d) for d in m.unavailable)
        people = tuple(
            PersonSpec(pid, {k: frozenset(v) for k, v in posts_of.items()}, frozenset(away.get(pid, set())))
            for pid, posts_of in sorted(by_person.items())
        )
        calendar = CaseService(self.session).calendar
        rules = self.settings.rules(workers)
        return Problem(
            days,
            tuple(PostSpec(p.code, shift_specs(p)) for p in posts),
            people,
            replace(rules, time_limit_seconds=time_limit) if time_limit else rules,
            frozenset(d for d in days if not calendar.is_workday(d)),
        )

    def generate(
        self, principal: Principal | None, area_code: str, month: str, *, time_limit: float | None = None
    ) -> tuple[DutyRoster, Solution]:
        """Solve the month for the area's posts and store it (replacing that month's shifts), or store why
        it cannot be done."""
        path = self.area_path(principal, area_code)
        posts = self.repo.posts([path])
        if not posts:
            raise InvalidInput("该区域没有值守岗位 (no duty posts in this area)", field="area")
        problem = self.problem(posts, month, time_limit=time_limit)
        solution = solve(problem)
        broken = violations(problem, solution.assignments) if solution.assignments else []
        if broken:  # never store a roster that breaks a hard rule
            raise RuntimeError(f"solver output breaks hard rules: {broken[:3]}")
        roster = DutyRoster(
            month=month,
            path=path,
            status=solution.status,
            objective=solution.objective,
            bound=solution.bound,
            seconds=round(solution.seconds, 3),
            reasons=[{**asdict(r), "day": r.day.isoformat() if r.day else None} for r in solution.reasons],
        )
        self.session.add(roster)
        self.session.flush()
        if solution.assignments:
            ids = {p.code: p.id for p in posts}
            nights = {(p.code, s.code): s.night for p in problem.posts for s in p.shifts}
            self.repo.remove_month([p.id for p in posts], problem.days[0], problem.days[-1])
            self.session.add_all(
                DutyAssignment(
                    roster_id=roster.id,
                    post_id=ids[a.post],
                    person_id=a.person_id,
                    day=a.day,
                    shift_code=a.shift,
                    role=a.role,
                    starts_at=a.start.replace(tzinfo=ZONE),
                    ends_at=a.end.replace(tzinfo=ZONE),
                    night=nights[(a.post, a.shift)],
                )
                for a in solution.assignments
            )
            self.session.flush()
        return roster, solution

    # on duty ---------------------------------------------------------------------------------------
    def on_duty(
        self, session: Session, at: datetime, *, post: str | None, area: str | None, kind: str | None
    ) -> list[OnDuty]:
        posts = [
            p
            for p in RosterRepository(session).posts(None)
            if (post is None or p.code == post)
            and (kind is None or p.kind == kind)
            and (area is None or any(area.startswith(served) for served in (p.path, *p.serves)))
        ]
        if not posts:
            return []
        by_id = {p.id: p for p in posts}
        current = RosterRepository(session).current(at, list(by_id))
        people = RosterRepository(session).people([a.person_id for a in current])
        return [
            OnDuty(
                a.person_id,
                people[a.person_id].name,
                by_id[a.post_id].code,
                by_id[a.post_id].name,
                by_id[a.post_id].kind,
                a.role,
                a.starts_at,
                a.ends_at,
            )
            for a in current
        ]

    # swaps and check-in ----------------------------------------------------------------------------
    def _assignment(self, principal: Principal, assignment_id: int) -> tuple[DutyAssignment, DutyPost]:
        row = self.session.get(DutyAssignment, assignment_id)
        post = self.session.get(DutyPost, row.post_id) if row else None
        if row is None or post is None or not (principal.covers(post.path) or row.person_id == principal.person_id):
            raise NotFound("班次不存在 (no such shift in your area)")
        return row, post

    def ask_swap(self, principal: Principal, assignment_id: int, to_person_id: int, reason: str | None) -> DutySwap:
        row, post = self._assignment(principal, assignment_id)
        if row.person_id != principal.person_id and not principal.covers(post.path):
            raise Forbidden("只能申请调换自己的班次 (only your own shifts)")
        eligible = {m.person_id for m in self.repo.members([post.id]) if m.role == row.role}
        if to_person_id not in eligible or to_person_id == row.person_id:
            raise InvalidInput(
                "替班人员不在该岗位该角色名单中 (not a member of this post in that role)", field="to_person_id"
            )
        swap = DutySwap(assignment_id=row.id, from_person_id=row.person_id, to_person_id=to_person_id, reason=reason)
        self.session.add(swap)
        self.session.flush()
        return swap

    def decide_swap(self, principal: Principal, swap_id: int, approve: bool) -> DutySwap:
        swap = self.session.get(DutySwap, swap_id)
        if swap is None:
            raise NotFound("调班申请不存在 (no such swap)")
        row, post = self._assignment(principal, swap.assignment_id)
        if not principal.covers(post.path):
            raise NotFound("调班申请不存在 (no such swap)")
        if swap.state != "asked":
            raise Conflict(f"该申请已处理 (already {swap.state})")
        if approve:
            busy = [
                a
                for a in self.repo.assignments(person_id=swap.to_person_id, first=row.day - timedelta(days=1))
                if a.starts_at < row.ends_at + timedelta(hours=self.settings.min_rest_hours)
                and row.starts_at < a.ends_at + timedelta(hours=self.settings.min_rest_hours)
            ]
            if busy:
                raise Conflict("替班人员该时段已有班次或休息不足 (the stand-in would break the rest rule)")
            row.person_id = swap.to_person_id
        swap.state = "approved" if approve else "refused"
        swap.decided_by = principal.account_id
        self.session.flush()
        return swap

    def check_in(self, principal: Principal, assignment_id: int, lon: float, lat: float) -> DutyAssignment:
        row, post = self._assignment(principal, assignment_id)
        if row.person_id != principal.person_id:
            raise Forbidden("只能为自己的班次签到 (only your own shift)")
        now = self.clock()
        if not row.starts_at - timedelta(hours=1) <= now <= row.ends_at:
            raise InvalidInput("不在班次时间内 (not within the shift)", field="assignment_id")
        distance = metres(lon, lat, post.lon, post.lat) if post.lon is not None and post.lat is not None else 0.0
        if distance > self.settings.check_in_metres:
            raise InvalidInput(f"距岗位{distance:.0f}米，超出签到范围 (too far from the post)", field="lon")
        row.checked_in_at, row.check_in_metres = now, round(distance, 1)
        self.session.flush()
        return row

    def ical(self, person_id: int, name: str, since: date) -> bytes:
        """The person's shifts from ``since`` as an iCalendar feed (RFC 5545)."""
        rows = self.repo.assignments(person_id=person_id, first=since)
        posts = {p.id: p for p in self.session.query(DutyPost).filter(DutyPost.id.in_({r.post_id for r in rows}))}
        cal = Calendar()
        cal.add("prodid", "-//gridgov//duty roster//ZH")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"{name} 值班表")
        for row in rows:
            post = posts[row.post_id]
            event: Any = Event()
            event.add("uid", f"duty-{row.id}@gridgov")
            event.add("summary", f"{post.name} 值班（{row.shift_code}）")
            event.add("dtstart", row.starts_at)
            event.add("dtend", row.ends_at)
            event.add("dtstamp", self.clock())
            event.add("location", post.name)
            cal.add_component(event)
        data: bytes = cal.to_ical()
        return data


class DutyProvider:
    """The module's answer to ``gridgov.org.duty.on_duty``."""

    def on_duty(
        self, session: Session, at: datetime, *, post: str | None, area: str | None, kind: str | None
    ) -> list[OnDuty]:
        return RosterService(session).on_duty(session, at, post=post, area=area, kind=kind)


PROVIDER = DutyProvider()
