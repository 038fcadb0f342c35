"""The carbon panel on the registry's enterprise page: index, grade and the five indicators against the band's
mean and model, for the latest year with data (shown only to readers holding ``carbon.read``)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from gridgov.carbon.api import READ, default_year
from gridgov.carbon.calc import INDICATORS
from gridgov.carbon.service import CarbonService
from gridgov.errors import NotFound
from gridgov.kit.principal import Principal


def carbon_panel(session: Session, reader: Principal, enterprise_id: int) -> Mapping[str, object] | None:
    if not reader.can(READ):
        return None
    service = CarbonService(session)
    year = default_year(service)
    result = service.year(year, reader.scope_paths)
    try:
        row = result.row(enterprise_id)
    except NotFound:
        return None
    band = next((b for b in result.bands if b.key == row.band), None)
    model = result.row(band.model) if band and band.model else None
    return {"year": year, "row": row, "band": band, "model": model, "indicators": INDICATORS}
