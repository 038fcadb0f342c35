"""The village pages: ``/village`` (collective economy: joint projects, dividends, collective incomes and weak
villages), ``/village/assessment`` (the monthly 晒 table, the quarter's ranking, the year's results) and
``/village/me`` (a resident's bookings, points, repairs and volunteer shifts, with their actions). Phone width
first; every action is a plain form (no script)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gridgov.deps import PageUser, SessionDep
from gridgov.errors import AppError
from gridgov.evaluation.periods import Period
from gridgov.kit.bounds import Id
from gridgov.kit.time import utcnow
from gridgov.org.models import OrgNode
from gridgov.village.api import ASSESS, MANAGE, READ, RESIDENT, period_of
from gridgov.village.models import Indicator
from gridgov.village.services_assessment import AssessmentService
from gridgov.village.services_economy import EconomyService
from gridgov.village.services_residents import MEAL_TYPES, ResidentServices, home_path
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)
ME = "/village/me"


@router.get("/village")
def economy_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    if not user.can(READ):
        if user.can(RESIDENT):
            return RedirectResponse(ME, status_code=303)
        user.require(READ)
    service = EconomyService(session)
    year = utcnow().year
    incomes = service.incomes(user.scope_paths, [year - 1, year])
    line = service.weak_line()
    this_year = [r for r in incomes if r.year == year]
    context = {
        "projects": service.projects(user.scope_paths),
        "incomes": incomes,
        "year": year,
        "line": line,
        "weak": sorted((r for r in this_year if r.total < line), key=lambda r: r.total),
        "can_manage": user.can(MANAGE),
    }
    return render(request, "village/economy.html", context)


@router.get("/village/assessment")
def assessment_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    township: Annotated[str | None, Query(max_length=15)] = None,
    period: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    user.require(READ)
    years = session.scalars(select(Indicator.year).distinct().order_by(Indicator.year.desc()))
    latest = next(iter(years), utcnow().year)
    townships = [
        node
        for node in session.scalars(
            select(OrgNode).join(Indicator, Indicator.township_code == OrgNode.code).distinct().order_by(OrgNode.code)
        )
        if user.covers(node.path) or any(p.startswith(node.path) for p in user.scope_paths)
    ]
    context: dict[str, object] = {"townships": townships, "township": township, "board": None, "result": None}
    chosen = period_of(period) if period else Period.parse(f"{latest}-Q4")
    context["period"] = chosen
    code = township or (townships[0].code if townships else None)
    if code is not None:
        service = AssessmentService(session)
        context["township"] = code
        if chosen.kind.value == "year":
            context["result"] = service.year(user, code, chosen.year, Decimal(30000))
        else:
            context["board"] = service.board(user, code, chosen)
    context["can_assess"] = user.can(ASSESS)
    return render(request, "village/assessment.html", context)


@router.get("/village/me")
def resident_page(
    request: Request, session: SessionDep, user: PageUser, done: Annotated[str | None, Query(max_length=40)] = None
) -> Response:
    user.require(RESIDENT)
    services = ResidentServices(session)
    balance, entries = services.points(user)
    mine = services.bookings(user)
    held = {a.id: b.status for b, a in mine}
    first = date.today() + timedelta(days=1)
    context = {
        "activities": services.repo.activities(user.local_paths, utcnow()),
        "held": held,
        "bookings": mine,
        "balance": balance,
        "entries": entries[:10],
        "settings": services.settings(),
        "repairs": services.repairs(user),
        "meal_points": services.repo.places(MEAL_TYPES, user.local_paths),
        "roster": services.roster(user.local_paths, first, 3),
        "days": [first + timedelta(days=d) for d in range(3)],
        "done": done,
    }
    return render(request, "village/me.html", context)


def _back(outcome: str) -> Response:
    return RedirectResponse(f"{ME}?done={outcome}", status_code=303)


def _attempt(action: object) -> str:
    """Run a resident's action; the outcome key the page shows (the error's kind when refused)."""
    try:
        action()  # type: ignore[operator]
    except AppError as exc:
        return type(exc).__name__.lower()
    return "ok"


@router.post("/village/me/book/{activity_id}")
def book_form(activity_id: Id, session: SessionDep, user: PageUser) -> Response:
    user.require(RESIDENT)
    return _back(_attempt(lambda: ResidentServices(session).book(user, activity_id)))


@router.post("/village/me/cancel/{activity_id}")
def cancel_form(activity_id: Id, session: SessionDep, user: PageUser) -> Response:
    user.require(RESIDENT)
    return _back(_attempt(lambda: ResidentServices(session).cancel(user, activity_id)))


@router.post("/village/me/redeem/{reward}")
def redeem_form(reward: str, session: SessionDep, user: PageUser) -> Response:
    user.require(RESIDENT)
    return _back(_attempt(lambda: ResidentServices(session).redeem(user, reward)))


@router.post("/village/me/shift/{place_id}")
def shift_form(
    place_id: Id, session: SessionDep, user: PageUser, day: Annotated[date, Form()], slot: Annotated[str, Form()]
) -> Response:
    user.require(RESIDENT)
    return _back(_attempt(lambda: ResidentServices(session).sign_up(user, place_id, day, slot)))


@router.post("/village/me/repair")
def repair_form(
    session: SessionDep,
    user: PageUser,
    category: Annotated[str, Form(max_length=20)],
    description: Annotated[str, Form(min_length=2, max_length=2000)],
) -> Response:
    """A repair at the resident's village (its centre: the page has no map)."""
    user.require(RESIDENT)
    node = session.scalars(select(OrgNode).where(OrgNode.path == home_path(user))).first()
    if node is None or node.centroid_lon is None or node.centroid_lat is None:
        return _back("invalidinput")
    lon, lat = node.centroid_lon, node.centroid_lat
    return _back(
        _attempt(lambda: ResidentServices(session).report_repair(user, category, description, lon, lat, node.name))
    )
