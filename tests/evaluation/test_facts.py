"""The stored per-case facts: the periodic catch-up stores what the events say, a figure never waits for it
(events it has not read count at once), and a period of several months combines the months' rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from gridgov.case.models import CaseEvent
from gridgov.db import Database
from gridgov.evaluation.documents import Level
from gridgov.evaluation.models import CaseFact, FactMark
from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import Evaluation, EvaluationService
from gridgov.evaluation.tasks import catch_up_facts
from gridgov.org.enums import Role
from tests.evaluation.stories import OCTOBER, insert, october_stories, t
from tests.factories import COUNTY, build_county, create_person

NOW = t(11, 20)


def _counts(evaluation: Evaluation) -> dict[tuple[str, str], dict[str, float]]:
    return {
        (level.value, key): {**unit.counts.as_dict(), "p90": unit.p90_hours or 0.0}
        for level, units in evaluation.units.items()
        for key, unit in units.items()
    }


def _evaluate(db: Database, period: str) -> Evaluation:
    with db.sessions() as session:
        return EvaluationService(session, clock=lambda: NOW).evaluate(Period.parse(period), None, cached=False)


def test_catch_up_stores_and_never_goes_stale(db: Database) -> None:
    with db.sessions() as session:
        county = build_county(session)
        member = create_person(session, county, [(Role.grid_member, COUNTY)], name="网格员")
        cases = [
            insert(session, story, f"T2026{index:05d}", member.id)
            for index, story in enumerate(october_stories(county.units["WS-GDS"].id), start=1)
        ]
        session.commit()
    derived = _counts(_evaluate(db, OCTOBER))
    assert catch_up_facts(db, NOW) > 0
    assert catch_up_facts(db, NOW) == 0  # nothing new
    with db.sessions() as session:
        assert (session.scalar(select(func.count()).select_from(CaseFact)) or 0) >= len(cases)
    assert _counts(_evaluate(db, OCTOBER)) == derived
    # a late feedback on the extended case D, written on 31 October and not read by the facts yet
    with db.sessions() as session:
        story_d = next(c for c in cases if c.description.startswith("D "))
        session.add(
            CaseEvent(
                case_id=story_d.id,
                action="feedback",
                from_state="handling",
                to_state="handled",
                at=t(10, 31, 12),
                actor_name="测试",
                comment="",
            )
        )
        session.commit()
    unread = _evaluate(db, OCTOBER).get(Level.county, COUNTY).counts
    assert unread.handled == derived[("county", COUNTY)]["handled"] + 1
    assert catch_up_facts(db, NOW) > 0
    assert _counts(_evaluate(db, OCTOBER)) == _counts(_derived(db, OCTOBER))


def _derived(db: Database, period: str) -> Evaluation:
    """A period with every fact derived from the events (the mark set back, then rolled back)."""
    with db.sessions() as session:
        session.execute(delete(FactMark))
        evaluation = EvaluationService(session, clock=lambda: NOW).evaluate(Period.parse(period), None, cached=False)
        session.rollback()
    return evaluation


def test_a_quarter_combines_its_months(db: Database) -> None:
    with db.sessions() as session:
        county = build_county(session)
        for index, story in enumerate(october_stories(county.units["WS-GDS"].id), start=1):
            insert(session, story, f"T2026{index:05d}", None)
        session.commit()
    quarter = _counts(_evaluate(db, "2026-Q4"))
    months = [_counts(_evaluate(db, m)) for m in ("2026-10", "2026-11", "2026-12")]
    key = ("county", COUNTY)
    # received and filed happen once per case: a quarter's are its months' sum
    for name in ("received", "filed", "dispatched"):
        assert quarter[key][name] == sum(m.get(key, {}).get(name, 0) for m in months)
    catch_up_facts(db, NOW + timedelta(days=1))
    assert _counts(_evaluate(db, "2026-Q4")) == quarter
    assert _counts(_evaluate(db, "2026")) == _counts(_derived(db, "2026"))
