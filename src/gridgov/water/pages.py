"""The water pages: ``/water``, the county's (or the reader's area's) three rates and the intake users' table;
``/water/plans``, a month's plans with use, progress, the letter's level, the bill and the letter's PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gridgov.deps import PageUser, SessionDep
from gridgov.water.api import month_of, period_of
from gridgov.water.rates import Rates
from gridgov.water.service import WaterPlans, WaterRates
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)
LEVELS = ("normal", "warning", "over")


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


@router.get("/water/plans")
def plans_page(
    request: Request, session: SessionDep, user: PageUser, period: Annotated[str | None, Query()] = None
) -> Response:
    chosen = month_of(period)
    rows = [r for r in WaterPlans(session).month(chosen, user.scope_paths) if user.covers(r.user.path)]
    context = {
        "period": chosen,
        "previous": chosen.previous(),
        "next": chosen.next(),
        "rows": rows,
        "levels": {level: sum(1 for r in rows if r.letter and r.letter.level == level) for level in LEVELS},
        "surcharge": sum((r.bill.surcharge for r in rows if r.bill), Decimal(0)),
    }
    return render(request, "water/plans.html", context)
