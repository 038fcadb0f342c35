"""The water page (``/water``): the county's (or the reader's area's) three rates and the intake users' table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gridgov.deps import PageUser, SessionDep
from gridgov.water.api import period_of
from gridgov.water.rates import Rates
from gridgov.water.service import WaterRates
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/water")
def water_page(
    request: Request, session: SessionDep, user: PageUser, period: Annotated[str | None, Query()] = None
) -> Response:
    chosen = period_of(period)
    service = WaterRates(session)
    target = service.target()
    rows = [e for e in service.by_user(chosen, user.scope_paths) if user.covers(e.user.path)]
    total = Rates()
    for entry in rows:
        total = total + entry.rates
    context = {
        "period": chosen,
        "target": target,
        "total": total,
        "rows": rows,
        "below": sum(1 for e in rows if e.meters and e.rates.below(target)),
    }
    return render(request, "water/index.html", context)
