"""The demo: 1,560 places in one town and 300 elsewhere, this cycle's checks with findings as cases, posts and
people, and this month's roster that keeps every hard rule — built once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.case.models import Case
from gridgov.demo.builder import build
from gridgov.inspection.checklist import ZONE
from gridgov.inspection.demo import build_inspection
from gridgov.inspection.models import DutyAssignment, DutyPost, InspectionFinding
from gridgov.inspection.roster import Assignment, violations
from gridgov.inspection.rosters import RosterService
from gridgov.registry.models import Place


def test_the_demo(session: Session) -> None:
    build(session, seed=20240601)
    summary = build_inspection(session, seed=20240601)
    assert summary.town_places == 1560 and summary.other_places == 300
    assert session.scalar(select(func.count()).select_from(Place)) == 1860
    assert summary.roster_status in ("optimal", "feasible"), summary
    findings = list(session.scalars(select(InspectionFinding)))
    assert {f.grade for f in findings} == {"veto", "ordinary"}
    veto = next(f for f in findings if f.grade == "veto")
    case = session.get_one(Case, veto.case_id)
    assert case.tier == "township" and case.category_code == "0302" and case.unit_id is not None
    assert sum(f.state == "rectified" for f in findings) == summary.rectified > 0

    posts = list(session.scalars(select(DutyPost)))
    service = RosterService(session)
    problem = service.problem(posts, summary.roster_month)
    rows = list(session.scalars(select(DutyAssignment)))
    codes = {p.id: p.code for p in posts}
    out = [
        Assignment(
            r.person_id,
            codes[r.post_id],
            r.day,
            r.shift_code,
            r.role,
            r.starts_at.astimezone(ZONE).replace(tzinfo=None),
            r.ends_at.astimezone(ZONE).replace(tzinfo=None),
        )
        for r in rows
    ]
    assert len(out) == summary.roster_shifts > 0
    assert violations(problem, out) == []
