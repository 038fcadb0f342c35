"""The carbon pages: ``/carbon`` (ranking with grades, band chart with each band's model, potential and tail
list) and ``/carbon/enterprises/{id}`` (monthly trend, indicators against the band and its model, obstacle
degrees, rooftop PV advice). Same figures as the API, over the reader's area."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridgov.carbon.api import FACTORS, READ, YEAR, default_year
from gridgov.carbon.calc import INDICATORS
from gridgov.carbon.service import CarbonService, industries, monthly, pv_advice
from gridgov.deps import PageUser, SessionDep
from gridgov.kit.bounds import Id
from gridgov.kit.time import utcnow
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/carbon")
def carbon_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    year: Annotated[int | None, YEAR] = None,
    factors: Annotated[str | None, FACTORS] = None,
) -> Response:
    user.require(READ)
    service = CarbonService(session)
    chosen = year or default_year(service)
    result = service.year(chosen, user.scope_paths, factors)
    names = {r.enterprise.id: r.enterprise.name for r in result.rows}
    chart = [
        {
            "band": b.label,
            "members": len(b.members),
            "intensity": b.benchmark_intensity,
            "model": names.get(b.model) if b.model else None,
        }
        for b in result.bands
    ]
    context = {
        "year": chosen,
        "years": service.repo.years(),
        "result": result,
        "indicators": INDICATORS,
        "names": names,
        "chart": json.dumps(chart, ensure_ascii=False),
        "pv": pv_advice(service, result, utcnow().date()).rows[:15],
        "industries": industries(result),
    }
    return render(request, "carbon/index.html", context)


@router.get("/carbon/enterprises/{enterprise_id}")
def enterprise_page(
    enterprise_id: Id,
    request: Request,
    session: SessionDep,
    user: PageUser,
    year: Annotated[int | None, YEAR] = None,
    factors: Annotated[str | None, FACTORS] = None,
) -> Response:
    user.require(READ)
    service = CarbonService(session)
    chosen = year or default_year(service)
    result = service.year(chosen, user.scope_paths, factors)
    row = result.row(enterprise_id)
    band = next((b for b in result.bands if b.key == row.band), None)
    model = result.row(band.model) if band and band.model else None
    months = monthly(service, enterprise_id, result.start, result.end, factors)
    trend = [
        {"month": f"{m.month:%Y-%m}", "emissions": m.emissions, "output": m.row.output_value if m.row else None}
        for m in months
    ]
    context = {
        "year": chosen,
        "result": result,
        "row": row,
        "band": band,
        "model": model,
        "months": months,
        "indicators": INDICATORS,
        "trend": json.dumps(trend),
        "pv": next(
            (p.advice for p in pv_advice(service, result, utcnow().date()).rows if p.enterprise.id == enterprise_id),
            None,
        ),
    }
    return render(request, "carbon/enterprise.html", context)
