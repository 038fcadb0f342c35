"""The indicators read what the case service and the overdue sweep really write: two cases through
CaseService, one handled in time, one after the sweep recorded its missed deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gridgov.auth.service import principal_for
from gridgov.case.schemas import CaseAction, CaseReport
from gridgov.case.service import CaseService
from gridgov.case.tasks import sweep
from gridgov.case.workflow import Action
from gridgov.db import Database
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import EvaluationService
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, build_county, create_account, create_person

CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # Monday


def test_sweep_marks_the_late_case(db: Database) -> None:
    with db.sessions() as session:
        county = build_county(session)
        person = create_person(
            session, county, [(Role.admin, COUNTY), (Role.village_cadre, COUNTY), (Role.grid_member, COUNTY)]
        )
        principal = principal_for(create_account(session, person, "all"))
        clock = [T0]
        cases = CaseService(session, clock=lambda: clock[0])
        report = CaseReport(category="0401", description="暴露垃圾", lon=119.92, lat=30.02)
        numbers = [cases.report(principal, report).number for _ in range(2)]
        for number in numbers:  # village tier: file, dispatch to the village, accept; 1 working day to clear
            for action in (Action.file, Action.dispatch, Action.accept):
                cases.act(principal, number, CaseAction(action=action))
        clock[0] = T0 + timedelta(hours=2)
        cases.act(principal, numbers[0], CaseAction(action=Action.feedback))
        session.commit()
    assert sweep(db, T0 + timedelta(days=2)) == 1  # only the second case is still being handled
    with db.sessions() as session:
        clock = [T0 + timedelta(days=2, hours=1)]
        cases = CaseService(session, clock=lambda: clock[0])
        cases.act(principal, numbers[1], CaseAction(action=Action.feedback))
        for number in numbers:
            cases.act(principal, number, CaseAction(action=Action.verify_pass))
            cases.act(principal, number, CaseAction(action=Action.close))
        session.commit()
        service = EvaluationService(session, clock=lambda: T0 + timedelta(days=30))
        evaluation = service.evaluate(Period.parse("2026-11"), None, cached=False)
        township = evaluation.get(Level.township, FUCHUN).counts
        assert (township.received, township.filed, township.dispatched) == (2, 2, 2)
        assert (township.due_handle, township.handled, township.handled_on_time) == (2, 2, 1)
        assert (township.due_close, township.closed, township.closed_on_time) == (2, 2, 1)
        late, _total = service.drill(Period.parse("2026-11"), None, Level.county, COUNTY, "closed_on_time")
        assert late == [numbers[0]]


def test_a_drill_case_is_not_evaluated(db: Database) -> None:
    """A patrol case opened by a drill (source ``exercise:<id>``) is a case on the desk but not in any figure."""
    with db.sessions() as session:
        county = build_county(session)
        person = create_person(session, county, [(Role.admin, COUNTY), (Role.village_cadre, COUNTY)])
        principal = principal_for(create_account(session, person, "drill"))
        cases = CaseService(session, clock=lambda: T0)
        report = CaseReport(category="0401", description="暴露垃圾", lon=119.92, lat=30.02)
        real = cases.report(principal, report).number
        drill = cases.report(principal, report, source="exercise:7").number
        for number in (real, drill):
            cases.act(principal, number, CaseAction(action=Action.file))
        session.commit()
        service = EvaluationService(session, clock=lambda: T0 + timedelta(days=30))
        township = service.evaluate(Period.parse("2026-11"), None, cached=False).get(Level.township, FUCHUN).counts
        assert (township.received, township.filed) == (1, 1)
        numbers, total = service.drill(Period.parse("2026-11"), None, Level.county, COUNTY, "received")
        assert numbers == [real] and total == 1 and drill not in numbers
