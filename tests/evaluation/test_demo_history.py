"""The demo history: deterministic, consistent with the event model, and rich enough that last month shows
every outcome the evaluation measures."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.case.models import Case, CaseEvent
from gridgov.case.taxonomy import default_taxonomy
from gridgov.case.workflow import TRANSITIONS, Action
from gridgov.demo.history import build_history
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import EvaluationService
from gridgov.org.enums import Role
from tests.factories import FUCHUN, WANSHI, build_county, create_person

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _history(session: Session) -> list[tuple[str, str, str | None, str, datetime]]:
    rows = session.execute(
        select(Case.number, CaseEvent.action, CaseEvent.from_state, CaseEvent.to_state, CaseEvent.at)
        .join(Case, Case.id == CaseEvent.case_id)
        .order_by(CaseEvent.id)
    )
    return [(n, a, f, t, at) for n, a, f, t, at in rows]


def test_history_follows_the_workflow_and_is_deterministic(session: Session) -> None:
    county = build_county(session)
    create_person(session, county, [(Role.grid_member, FUCHUN)], grids=["330111001001001", "330111001002001"])
    create_person(session, county, [(Role.grid_member, WANSHI)], grids=["330111100001001"])
    summary = build_history(session, default_taxonomy(), now=NOW, seed=5, months=3, per_month=400)
    assert summary.cases > 1000 and summary.events > 6 * summary.cases
    history = _history(session)
    last: dict[str, tuple[str, datetime]] = {}
    for number, action, before, after, at in history:
        previous = last.get(number)
        assert before == (previous[0] if previous else None), (number, action)
        assert previous is None or at >= previous[1], (number, action)
        if action not in ("report", "escalate"):
            assert before in TRANSITIONS[Action(action)].sources, (number, action, before)
        last[number] = (after, at)
    assert all(at <= NOW for *_rest, at in history)
    states = {str(n): str(s) for n, s in session.execute(select(Case.number, Case.state))}
    assert states == {number: state for number, (state, _at) in last.items()}

    evaluation = EvaluationService(session, clock=lambda: NOW).evaluate(Period.parse("2026-10"), None, cached=False)
    october = evaluation.get(Level.county, "330111").counts
    assert october.received > 300 and october.closed > 200
    for outcome in ("returned", "reworked", "extended", "deferred", "hung", "overdue_waiting"):
        assert getattr(october, outcome) > 0, outcome
    assert 0 < october.handled_on_time < october.handled  # some late, most in time

    session.rollback()
    session.begin()
    county = build_county(session)
    create_person(session, county, [(Role.grid_member, FUCHUN)], grids=["330111001001001", "330111001002001"])
    create_person(session, county, [(Role.grid_member, WANSHI)], grids=["330111100001001"])
    build_history(session, default_taxonomy(), now=NOW, seed=5, months=3, per_month=400)
    again = _history(session)
    assert [(a, f, t, at) for _n, a, f, t, at in again] == [(a, f, t, at) for _n, a, f, t, at in history]
