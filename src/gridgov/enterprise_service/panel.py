"""This module's panel on the registry's enterprise page: the enterprise's appeals, key projects, 亩均 class
by year and the account managers' visits."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from gridgov.enterprise_service.access import reader
from gridgov.enterprise_service.per_mu import PerMuService
from gridgov.enterprise_service.projects import ProjectService
from gridgov.enterprise_service.service import AppealFilter, AppealService
from gridgov.errors import AppError
from gridgov.kit.principal import Principal
from gridgov.module import EnterprisePanel


def panel_context(session: Session, principal: Principal, enterprise_id: int) -> Mapping[str, object] | None:
    try:
        who = reader(session, principal)
        appeals = AppealService(session)
        appeals.enterprise(who, enterprise_id)
    except AppError:
        return None
    found = [appeals.read(a) for a in appeals.search(who, AppealFilter(enterprise_id=enterprise_id), limit=20)[0]]
    projects = [v for v in ProjectService(session).search(who) if v.project.enterprise_id == enterprise_id]
    history = []
    if not who.is_enterprise:
        per_mu = PerMuService(session)
        for year in per_mu.years()[:5]:
            result = per_mu.evaluate(year).get(enterprise_id)
            if result is not None:
                history.append((year, result))
    visits = appeals.visits(who, enterprise_id)[:10]
    if not (found or projects or history or visits):
        return None
    return {"appeals": found, "projects": projects, "history": history, "visits": visits}


PANEL = EnterprisePanel(
    "enterprise_service.service", "es.panel_title", "enterprise_service/enterprise_panel.html", panel_context
)
