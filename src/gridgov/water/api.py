"""The water module's JSON API (under ``/api/v1``): intake users with their three rates, and the rates per area.
Both are limited to the caller's area (``scope_paths``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import area_of
from gridgov.kit.time import utcnow
from gridgov.org.models import OrgNode
from gridgov.water.rates import Rates
from gridgov.water.schemas import AreaRates, RateParts, RatesRead, UserRead
from gridgov.water.service import WaterRates

router = APIRouter(tags=["water"])
PERIOD = Query(description="YYYY-MM, YYYY-Qn or YYYY; default: last month (上月)")
LEVELS = (Level.county, Level.township, Level.village)


def period_of(text: str | None) -> Period:
    if not text:
        return Period.month_of(utcnow()).previous()
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="period") from exc


@router.get("/water/users")
def list_users(session: SessionDep, user: CurrentUser, period: Annotated[str | None, PERIOD] = None) -> list[UserRead]:
    """Intake users in the caller's area with their meters' three rates over the period (取水户及三率)."""
    chosen = period_of(period)
    service = WaterRates(session)
    target = service.target()
    return [
        UserRead(
            id=e.user.id,
            name=e.user.name,
            credit_code=e.user.credit_code,
            township_code=e.user.township_code,
            village_code=e.user.village_code,
            industry_code=e.user.industry_code,
            annual_volume_m3=e.user.annual_volume_m3,
            synthetic=e.user.synthetic,
            meters=e.meters,
            period=chosen.key,
            rates=RateParts.of(e.rates, target),
        )
        for e in service.by_user(chosen, user.scope_paths)
        if user.covers(e.user.path)
    ]


@router.get("/water/rates")
def area_rates(
    session: SessionDep,
    user: CurrentUser,
    period: Annotated[str | None, PERIOD] = None,
    level: Annotated[Level, Query(description="county, township or village")] = Level.township,
) -> RatesRead:
    """The three rates per area of ``level`` with numerators and denominators, summed over its users' meters."""
    if level not in LEVELS:
        raise InvalidInput("层级应为county/township/village (level must be county, township or village)", field="level")
    chosen = period_of(period)
    service = WaterRates(session)
    target = service.target()
    sums: dict[str, tuple[Rates, int]] = {}
    for entry in service.by_user(chosen, user.scope_paths):
        area = area_of(entry.user.path, level)
        if area is None or not entry.meters or not user.covers(entry.user.path):
            continue
        rates, users = sums.get(area, (Rates(), 0))
        sums[area] = (rates + entry.rates, users + 1)
    nodes = session.execute(select(OrgNode.code, OrgNode.name).where(OrgNode.code.in_(list(sums))))
    names = {row.code: row.name for row in nodes}
    areas = [
        AreaRates(code=code, name=names.get(code, code), users=n, rates=RateParts.of(rates, target))
        for code, (rates, n) in sorted(sums.items())
    ]
    return RatesRead(period=chosen.key, level=level.value, target=target, areas=areas)
