"""Random lifecycles driven through the real CaseService and database (hypothesis stateful).

The county, its units and five principals are built once per test; every hypothesis example runs
inside a SAVEPOINT on the test's connection that is rolled back at teardown. Each action is one
"request": its own session that commits when the service returned and rolls back when it raised, as
``gridgov.deps.get_session`` does. Every invariant is read back from the database after every step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import Connection, func, or_, select
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditLog
from gridgov.auth.service import principal_for
from gridgov.case.models import Case, CaseEvent
from gridgov.case.schemas import CaseAction, CaseReport
from gridgov.case.service import CaseService
from gridgov.case.tasks import CLOCKED, sweep
from gridgov.case.workflow import TRANSITIONS, Action, CaseState, next_state
from gridgov.db import Database
from gridgov.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from gridgov.kit.actor import Actor, set_actor
from gridgov.kit.principal import Principal
from gridgov.org.enums import Role, UnitKind
from gridgov.org.models import Unit
from tests.factories import COUNTY, FUCHUN, build_county, create_account, create_person

CST = ZoneInfo("Asia/Shanghai")
GRID = "330111001001001"  # 城西社区第1网格, 富春街道
POINT = (119.92, 30.02)
ZHXX, ZHZF, SZZX = f"{FUCHUN}-ZHXX", f"{COUNTY}-ZHZF", f"{COUNTY}-SZZX"
CATEGORIES = [
    "0201",  # 违法搭建: township, working days, one stage
    "0102",  # 井盖缺损: township, clock hours, three stages
    "0401",  # 暴露垃圾: village tier, working hours, no unit
    "0503",  # 企业诉求(红码): county centre
]
STARTS = [
    datetime(2026, 9, 25, 16, 40, tzinfo=CST),  # Friday afternoon, a week before 国庆
    datetime(2026, 9, 30, 15, 0, tzinfo=CST),  # the eve of the 国庆 holiday
    datetime(2026, 10, 10, 11, 50, tzinfo=CST),  # an adjusted working Saturday, just before lunch
    datetime(2026, 11, 22, 22, 0, tzinfo=CST),  # Sunday night
]
ACTORS = ["grid", "operator", "dispatcher", "handler", "leader"]
UNIT_CHOICES = [None, ZHXX, ZHZF, SZZX, "FC-GDS", "WS-GDS", "NO-SUCH-UNIT"]
SERVING_UNITS = [ZHXX, ZHZF, SZZX]  # all on the path of a point in 富春街道
REJECTED = (Conflict, Forbidden, InvalidInput, NotFound)
FORWARD = {
    Action.file,
    Action.dispatch,
    Action.accept,
    Action.feedback,
    Action.verify_pass,
    Action.verify_fail,
    Action.close,
    Action.request_extension,
    Action.approve_extension,
    Action.resume,
    Action.reopen,
}


@dataclass(frozen=True)
class World:
    db: Database
    connection: Connection
    actors: dict[str, Principal]


@dataclass(frozen=True)
class Snapshot:
    state: str
    events: int
    deadline: datetime | None
    clock_started: datetime | None
    rework: int
    unit_id: int | None
    closed_at: datetime | None


def build_world(db: Database) -> World:
    with db.sessions() as session:
        county = build_county(session)
        for code, name, at in (
            (ZHXX, "富春街道综合信息指挥室", FUCHUN),
            (ZHZF, "区综合行政执法局", COUNTY),
            (SZZX, "区社会治理中心", COUNTY),
        ):
            county.units[code] = Unit(code=code, name=name, kind=UnitKind.department.value, node_id=county[at].id)
            session.add(county.units[code])
        session.flush()
        people = {
            "grid": create_person(session, county, [(Role.grid_member, GRID)], grids=[GRID], name="网格员"),
            "operator": create_person(session, county, [(Role.township_operator, FUCHUN)], units=[ZHXX], name="四平台"),
            "dispatcher": create_person(session, county, [(Role.county_dispatcher, COUNTY)], units=[SZZX], name="调度"),
            "handler": create_person(
                session, county, [(Role.department_handler, COUNTY)], units=[ZHZF], name="执法队员"
            ),
            "leader": create_person(session, county, [(Role.leader, COUNTY)], name="区领导"),
        }
        actors = {key: principal_for(create_account(session, person, key)) for key, person in people.items()}
        session.commit()
    connection: Connection = db.sessions.kw["bind"]  # the test's connection, inside its outer transaction
    return World(db, connection, actors)


def case_row(session: Session, number: str) -> Case:
    return session.scalars(select(Case).where(Case.number == number)).one()


def events_of(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def snapshot(session: Session, number: str) -> Snapshot:
    case = case_row(session, number)
    session.refresh(case)
    count = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) or 0
    return Snapshot(
        case.state,
        count,
        case.deadline_at,
        case.clock_started_at,
        case.rework_count,
        case.unit_id,
        case.closed_at,
    )


class CaseMachine(RuleBasedStateMachine):
    """Random actions by random principals on a few cases, with a moving clock and the sweeper."""

    world: ClassVar[World]
    cases = Bundle[str]("cases")

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = self.world.connection.begin_nested()
        self.now = STARTS[0]
        self.numbers: list[str] = []

    def teardown(self) -> None:
        self.savepoint.rollback()

    # plumbing ------------------------------------------------------------------------------------
    @contextmanager
    def request(self, principal: Principal | None = None) -> Iterator[tuple[Session, CaseService]]:
        """One unit of work like an API request: commit on return, roll back on an exception."""
        with self.world.db.sessions() as session:
            if principal is not None:
                set_actor(session, Actor(principal.account_id, principal.username))
            try:
                yield session, CaseService(session, clock=lambda: self.now)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def report_case(self, category: str) -> str:
        grid = self.world.actors["grid"]
        with self.request(grid) as (_session, service):
            case = service.report(
                grid, CaseReport(category=category, description="网格员巡查发现", lon=POINT[0], lat=POINT[1])
            )
            number = case.number
        self.numbers.append(number)
        return number

    def act(self, actor: str, number: str, data: CaseAction, *, offered: bool = False) -> None:
        """Run one action; a rejected one must leave no trace, an accepted one exactly one event. An action
        read() ``offered`` this principal (with the data it needs) must be accepted."""
        principal = self.world.actors[actor]
        with self.request() as (session, _service):
            before = snapshot(session, number)
        try:
            with self.request(principal) as (session, service):
                service.act(principal, number, data)
        except REJECTED as exc:
            assert not offered, f"read() offered {data.action} to {actor} in state {before.state}, then: {exc!r}"
            self.check_rejection(exc, principal, before, data)
            event(f"refused: {type(exc).__name__}")
            with self.request() as (session, _service):
                after = snapshot(session, number)
            assert after == before, f"{data.action} by {actor} was refused ({exc!r}) but changed {before} → {after}"
            return
        with self.request() as (session, _service):
            after = snapshot(session, number)
            case = case_row(session, number)
            last = events_of(session, case.id)[-1]
        event(f"accepted: {data.action.value} → {after.state}")
        expected = next_state(CaseState(before.state), data.action, principal.roles)
        if data.action is Action.feedback and last.data and "next_stage" in last.data:
            expected = CaseState.handling  # a staged category (井盖缺损) moves on to its next stage
        assert after.state == expected.value
        assert after.events == before.events + 1
        assert (last.action, last.from_state, last.to_state) == (data.action.value, before.state, after.state)
        assert last.actor_account_id == principal.account_id and last.at == self.now
        if data.action is Action.verify_fail:
            assert after.rework == before.rework + 1
        if TRANSITIONS[data.action].target is None and data.action is not Action.approve_extension:
            assert after.deadline == before.deadline  # extension requests, supervision, comments keep the clock
        if data.action is Action.approve_extension and before.deadline is not None:
            assert after.deadline is not None and after.deadline > before.deadline

    def check_rejection(self, exc: AppError, principal: Principal, before: Snapshot, data: CaseAction) -> None:
        rule_ = TRANSITIONS[data.action]
        state = CaseState(before.state)
        # every case lies in the grid member's grid, which all five principals' scopes cover
        assert not isinstance(exc, NotFound), exc.message
        if isinstance(exc, Conflict):
            assert state not in rule_.sources, exc.message
        elif isinstance(exc, Forbidden):
            # wrong role (403 from the table), or the right role in the wrong place (unit/scope)
            assert state in rule_.sources, exc.message
        elif isinstance(exc, InvalidInput):
            assert state in rule_.sources and rule_.roles & principal.roles, exc.message

    # rules ---------------------------------------------------------------------------------------
    @initialize(target=cases, start=st.sampled_from(STARTS), category=st.sampled_from(CATEGORIES))
    def first_report(self, start: datetime, category: str) -> str:
        self.now = start
        return self.report_case(category)

    @rule(target=cases, category=st.sampled_from(CATEGORIES))
    def another_report(self, category: str) -> str:
        """At most two live cases (and six in all): merge needs a second one, dead ones get replaced."""
        with self.request() as (session, _service):
            live = session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.number.in_(self.numbers), Case.state.not_in([CaseState.merged, CaseState.cancelled]))
            )
        if (live or 0) >= 2 or len(self.numbers) >= 6:
            return self.numbers[-1]
        return self.report_case(category)

    @rule(
        minutes=st.one_of(
            st.integers(1, 120),  # minutes
            st.integers(120, 24 * 60),  # hours
            st.integers(24 * 60, 4 * 24 * 60),  # days: crosses weekends and holidays
        )
    )
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(
        number=cases,
        action=st.sampled_from(list(Action)),
        actor=st.sampled_from(ACTORS),
        unit_code=st.sampled_from(UNIT_CHOICES),
        days=st.none() | st.integers(1, 10),
        comment=st.sampled_from(["", "现场核实"]),
        into=cases,
    )
    def anyone_tries_anything(
        self, number: str, action: Action, actor: str, unit_code: str | None, days: int | None, comment: str, into: str
    ) -> None:
        data = CaseAction(action=action, unit_code=unit_code, days=days, comment=comment, into_case=into)
        self.act(actor, number, data)

    def offers(self, number: str) -> list[tuple[str, Action]]:
        """(principal, action) for every action read() offers each principal on this case."""
        pairs: list[tuple[str, Action]] = []
        others = [n for n in self.numbers if n != number]
        for actor, principal in self.world.actors.items():
            with self.request() as (session, service):
                try:
                    case = service.get(principal, number)
                except NotFound:
                    continue
                offered = service.read(principal, case).allowed_actions
                pending = case.extension_days is not None
            # read() also offers 批准/驳回延期 with nothing asked: see test_extension_buttons_only_when_asked
            pairs += [
                (actor, a)
                for a in offered
                if (a is not Action.merge or others)
                and (a not in (Action.approve_extension, Action.refuse_extension) or pending)
            ]
        return pairs

    def take_offer(self, number: str, actor: str, action: Action, data: st.DataObject) -> None:
        # a merge is offered whatever the target; it succeeds into another case that is still open
        others = [n for n in self.numbers if n != number and CaseState(self.snapshot(n).state).is_open]
        if action is Action.merge and not others:
            return
        payload = CaseAction(
            action=action,
            comment="按要求办理",
            unit_code=data.draw(st.sampled_from(SERVING_UNITS), label="unit") if action is Action.dispatch else None,
            days=data.draw(st.integers(1, 10), label="days") if action is Action.request_extension else None,
            into_case=data.draw(st.sampled_from(others), label="into") if action is Action.merge else None,
        )
        self.act(actor, number, payload, offered=True)

    @rule(number=cases, data=st.data())
    def an_offered_action_succeeds(self, number: str, data: st.DataObject) -> None:
        """Pick any action read() offers some principal: it must then succeed for that principal."""
        pairs = self.offers(number)
        if pairs:
            actor, action = data.draw(st.sampled_from(pairs), label="offer")
            self.take_offer(number, actor, action, data)

    @rule(number=cases, data=st.data())
    def someone_moves_it_on(self, number: str, data: st.DataObject) -> None:
        """The same, preferring the actions that move a case along its main line (else few reach 结案)."""
        pairs = self.offers(number)
        state = self.snapshot(number).state
        forward = [
            (actor, action)
            for actor, action in pairs
            if action in FORWARD and not (action is Action.dispatch and state == CaseState.dispatched)
        ]
        if forward or pairs:
            actor, action = data.draw(st.sampled_from(forward or pairs), label="offer")
            self.take_offer(number, actor, action, data)

    @rule()
    def sweeper_runs(self) -> None:
        """Every case whose deadline passed escalates once, and only once, for that deadline."""
        with self.request() as (session, _service):
            due = {
                c.id: c.deadline_at
                for c in session.scalars(select(Case).where(Case.number.in_(self.numbers)))
                if c.state in CLOCKED
                and c.deadline_at is not None
                and c.deadline_at <= self.now
                and (c.overdue_handled_for is None or c.overdue_handled_for < c.deadline_at)
            }
            counts = {c: len(events_of(session, c)) for c in due}
        assert sweep(self.world.db, self.now) == len(due)
        event(f"sweep fired {len(due)}")
        assert sweep(self.world.db, self.now) == 0  # the same missed deadline never fires twice
        with self.request() as (session, _service):
            for case_id, deadline in due.items():
                case = session.get_one(Case, case_id)
                assert case.overdue_handled_for == deadline
                new = events_of(session, case_id)[counts[case_id] :]
                assert [e.action for e in new] == ["escalate"] and new[0].at == self.now
                assert new[0].data is not None and new[0].data["deadline"] == deadline.isoformat()

    def snapshot(self, number: str) -> Snapshot:
        with self.request() as (session, _service):
            result = snapshot(session, number)
        return result

    # invariants ----------------------------------------------------------------------------------
    @invariant()
    def the_database_agrees_with_itself(self) -> None:
        with self.request() as (session, _service):
            for number in self.numbers:
                self.check_case(session, case_row(session, number))

    def check_case(self, session: Session, case: Case) -> None:
        events = events_of(session, case.id)
        where = f"case {case.number} ({case.category_code})"
        # the timeline is a chain ending in the current state
        assert events[0].action == "report" and events[0].from_state is None, where
        assert all(e.from_state == p.to_state for p, e in zip(events, events[1:], strict=False)), where
        assert events[-1].to_state == case.state, where
        assert all(p.at <= e.at for p, e in zip(events, events[1:], strict=False)), where
        state = CaseState(case.state)
        # clocks
        if state is CaseState.closed:
            assert case.closed_at is not None and case.deadline_at is None, where
        else:
            assert case.closed_at is None, where
        if case.state in CLOCKED:
            assert case.clock_started_at is not None and case.deadline_at is not None, where
            assert case.deadline_at > case.clock_started_at, where
        if not state.is_open:
            assert case.deadline_at is None, where
        if state is CaseState.merged:
            assert case.merged_into_id is not None, where
        # counters are the timeline counted
        assert case.rework_count == sum(e.action == Action.verify_fail.value for e in events), where
        escalations = [e for e in events if e.action == "escalate"]
        assert case.escalation_level == sum(e.comment.startswith("escalated") for e in escalations), where
        deadlines = [e.data["deadline"] for e in escalations if e.data]
        assert len(deadlines) == len(set(deadlines)), f"{where}: one deadline escalated twice"
        # the audit log saw the row created, and its latest recorded state is the current one; a create row
        # is matched by the id in its values (its entity_id is empty: see test_audit_create_row_names_its_row)
        audit = [
            row
            for row in session.scalars(
                select(AuditLog)
                .where(
                    AuditLog.entity == "case_record",
                    or_(AuditLog.entity_id == str(case.id), AuditLog.entity_id.is_(None)),
                )
                .order_by(AuditLog.id)
            )
            if row.entity_id is not None or (row.after or {}).get("id") == case.id
        ]
        assert audit and audit[0].action == "create" and audit[0].after is not None, where
        assert audit[0].after["number"] == case.number, where
        states: list[Any] = [row.after["state"] for row in audit if row.after and "state" in row.after]
        assert states[-1] == case.state, where


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def test_random_lifecycles(world: World) -> None:
    class Machine(CaseMachine):
        pass

    Machine.world = world
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# Bugs the machine ran into, pinned down one by one --------------------------------------------------
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # a Monday


def _report(service: CaseService, world: World) -> str:
    grid = world.actors["grid"]
    return service.report(
        grid, CaseReport(category="0201", description="院内新搭彩钢棚", lon=POINT[0], lat=POINT[1])
    ).number


def test_extension_buttons_only_when_asked(world: World) -> None:
    operator, handler = world.actors["operator"], world.actors["handler"]
    with world.db.sessions() as session:
        service = CaseService(session, clock=lambda: T0)
        number = _report(service, world)
        service.act(operator, number, CaseAction(action=Action.file))
        service.act(operator, number, CaseAction(action=Action.dispatch, unit_code=ZHZF))
        service.act(handler, number, CaseAction(action=Action.accept))
        offered = service.read(operator, service.get(operator, number)).allowed_actions
        with pytest.raises(InvalidInput):
            service.act(operator, number, CaseAction(action=Action.approve_extension))
        assert Action.approve_extension not in offered and Action.refuse_extension not in offered


def test_audit_create_row_names_its_row(world: World) -> None:
    with world.db.sessions() as session:
        service = CaseService(session, clock=lambda: T0)
        case = case_row(session, _report(service, world))
        created = [
            row
            for row in session.scalars(
                select(AuditLog).where(AuditLog.entity == "case_record", AuditLog.action == "create")
            )
            if (row.after or {}).get("id") == case.id
        ]
        assert [row.entity_id for row in created] == [str(case.id)]


def test_merge_only_into_an_open_case(world: World) -> None:
    operator = world.actors["operator"]
    with world.db.sessions() as session:
        service = CaseService(session, clock=lambda: T0)
        first, second = _report(service, world), _report(service, world)
        service.act(operator, first, CaseAction(action=Action.merge, into_case=second))
        with pytest.raises((Conflict, InvalidInput)):
            service.act(operator, second, CaseAction(action=Action.merge, into_case=first))


@pytest.mark.parametrize("into", ["itself", "20000101999999"])
def test_refused_merge_leaves_the_clock_alone(world: World, into: str) -> None:
    operator = world.actors["operator"]
    with world.db.sessions() as session:
        service = CaseService(session, clock=lambda: T0)
        number = _report(service, world)
        case = service.act(operator, number, CaseAction(action=Action.file))
        before = (case.clock_started_at, case.deadline_at)
        assert before[1] is not None
        with pytest.raises((InvalidInput, NotFound)):
            service.act(
                operator, number, CaseAction(action=Action.merge, into_case=number if into == "itself" else into)
            )
        assert (case.clock_started_at, case.deadline_at) == before
