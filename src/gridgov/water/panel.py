"""The water module's panel on the registry's enterprise page: the enterprise's intake users with last month's
three rates and their permits (取水许可), nearest expiry first."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from gridgov.evaluation.periods import Period
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.registry.panels import EnterprisePanel
from gridgov.water.repository import WaterRepository
from gridgov.water.service import WaterRates


def water_panel(session: Session, reader: Principal, enterprise_id: int) -> Mapping[str, object] | None:
    users = WaterRepository(session).users_of_enterprise(enterprise_id, reader.scope_paths)
    if not users:
        return None
    service = WaterRates(session)
    period = Period.month_of(utcnow()).previous()
    return {
        "period": period,
        "target": service.target(),
        "rows": service.of_users(period, users),
        "permits": WaterRepository(session).permits_of([u.id for u in users]),
        "today": utcnow().date(),
    }


PANEL = EnterprisePanel("water.intake", "water.panel_title", "water/enterprise_panel.html", water_panel)
