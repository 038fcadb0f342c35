"""The carbon panel on the registry's enterprise page (index, grade and the five indicators against the band's
mean and model, latest year with data, for readers holding ``carbon.read``) and the cockpit's tile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def grade_counts(session: Session, scope: Sequence[str]) -> Mapping[str, int]:
    """The cockpit's tile: compared enterprises in the reader's area by grade, latest year with data."""
    service = CarbonService(session)
    result = service.year(default_year(service), scope)
    found: dict[str, int] = {}
    for row in result.rows:
        if row.grade is not None:
            found[f"carbon.grade.{row.grade}"] = found.get(f"carbon.grade.{row.grade}", 0) + 1
    return dict(sorted(found.items()))
