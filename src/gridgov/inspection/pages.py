"""Pages: the inspection desk (due list, coverage per village, findings), the mobile check page (works offline:
checks queue on the phone), the roster calendar per post and per person, and the now-on-duty board."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from gridgov.deps import PageUser, SessionDep
from gridgov.evaluation.documents import Level
from gridgov.inspection.api import CHECK, READ, assignment_reads
from gridgov.inspection.checklist import ZONE, month_days
from gridgov.inspection.repository import RosterRepository
from gridgov.inspection.service import InspectionService
from gridgov.kit.bounds import Id
from gridgov.kit.time import utcnow
from gridgov.org.duty import on_duty
from gridgov.org.models import OrgNode
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/inspections")
def desk(request: Request, session: SessionDep, user: PageUser) -> Response:
    user.require(READ)
    service = InspectionService(session)
    due = service.due(user.person_id, limit=100) if user.person_id else []
    tallies = service.coverage(Level.village, user.scope_paths)
    names = {
        r.code: r.name
        for r in session.execute(select(OrgNode.code, OrgNode.name).where(OrgNode.code.in_(list(tallies))))
    }
    findings, open_total = service.repo.findings(user.scope_paths, "open", 50, 0)
    context = {
        "due": [d for d in due if user.covers(d.place.path)],
        "areas": [(code, names.get(code, code), t) for code, t in sorted(tallies.items())],
        "findings": findings,
        "open_total": open_total,
        "can_check": user.can(CHECK),
    }
    return render(request, "inspection/desk.html", context)


@router.get("/inspections/places/{place_id}")
def check_page(request: Request, session: SessionDep, user: PageUser, place_id: Id) -> Response:
    user.require(CHECK)
    service = InspectionService(session)
    place = service.place(user, place_id)
    context = {
        "place": place,
        "plan": service.plans.plan(place.type_code),
        "veto_open": place.id in service.repo.veto_places([place.id]),
    }
    return render(request, "inspection/check.html", context)


@router.get("/rosters")
def calendar(
    request: Request,
    session: SessionDep,
    user: PageUser,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    post: Annotated[str | None, Query(max_length=40)] = None,
    person: int | None = None,
) -> Response:
    user.require(READ)
    chosen = month or utcnow().astimezone(ZONE).strftime("%Y-%m")
    days = month_days(chosen)
    repo = RosterRepository(session)
    posts = repo.posts(user.scope_paths)
    current = next((p for p in posts if p.code == post), posts[0] if posts and person is None else None)
    ids = [p.id for p in posts] if person is not None else [current.id] if current else []
    rows = repo.assignments(post_ids=ids, person_id=person, first=days[0], last=days[-1]) if ids else []
    shifts = assignment_reads(session, user, rows)
    grid: dict[date, list[object]] = {d: [] for d in days}
    for s in shifts:
        grid[s.day].append(s)
    context = {
        "month": chosen,
        "posts": posts,
        "current": current,
        "person": person,
        "grid": grid,
        "rosters": repo.rosters(user.scope_paths)[:5],
    }
    return render(request, "inspection/rosters.html", context)


@router.get("/rosters/now")
def now_board(request: Request, session: SessionDep, user: PageUser) -> Response:
    user.require(READ)
    now = utcnow()
    posts = RosterRepository(session).posts(user.scope_paths)
    duty = {p.code: [] for p in posts}  # type: dict[str, list[object]]
    for d in on_duty(session, now, kind=None):
        if d.post_code in duty:
            duty[d.post_code].append(d)
    return render(request, "inspection/now.html", {"posts": posts, "duty": duty, "now": now})
