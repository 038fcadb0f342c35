"""The demo on the demo county: what the issue's "must show" lists, computed by the services users run."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.case.catalogue import save_taxonomy
from gridgov.case.models import Case, CaseEvent
from gridgov.case.taxonomy import default_taxonomy
from gridgov.demo.builder import build
from gridgov.enterprise_service.demo import build_enterprise_service
from gridgov.enterprise_service.models import Appeal, Project
from gridgov.registry.credit_code import is_valid
from gridgov.registry.models import Enterprise


def test_the_demo_shows_what_the_issue_asks(session: Session) -> None:
    build(session, seed=20240601)
    save_taxonomy(session, default_taxonomy())
    figures = build_enterprise_service(session, seed=20240601)
    enterprises = list(session.scalars(select(Enterprise).where(Enterprise.synthetic.is_(True))))
    assert len(enterprises) >= 60 and all(is_valid(e.credit_code) and "模拟" in e.name for e in enterprises)
    kinds = dict(session.execute(select(Project.kind, func.count()).group_by(Project.kind)).all())
    assert kinds == {"industrial": 7, "real_estate": 8}
    assert figures["projects_yellow"] >= 1 and figures["projects_red"] >= 1

    def case(number: object) -> Case:
        return session.scalars(select(Case).where(Case.number == number)).one()

    red = case(figures["red_appeal"])
    assert (red.tier, red.category_code) == ("county", "0503")
    escalations = session.scalar(
        select(func.count()).where(CaseEvent.case_id == red.id, CaseEvent.action == "escalate")
    )
    assert escalations == 1 and figures["red_escalation"] == "supervised"
    green = case(figures["green_appeal"])
    assert (green.tier, green.state) == ("township", "closed")
    assert session.scalars(select(Appeal).where(Appeal.case_id == green.id)).one().satisfied is True
    reopened = case(figures["reopened_appeal"])
    assert reopened.state == "filed"
    assert (
        session.scalar(select(func.count()).where(CaseEvent.case_id == reopened.id, CaseEvent.action == "reopen")) == 1
    )
    classes = figures["per_mu_classes"]
    assert isinstance(classes, dict) and all(classes[c] > 0 for c in "ABCD")
    assert classes["incomplete"] >= 1 and classes["not_evaluated"] >= 1
    blocker = session.get_one(Appeal, figures["blocker_appeal"])
    assert blocker.project_id is not None and blocker.channel == "project"
