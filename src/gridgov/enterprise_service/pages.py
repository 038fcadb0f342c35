"""Enterprise-service pages: the appeals desk with filters, one appeal with its timeline, colour changes and
visits (forms to recolour and to record a return visit), the account manager's mobile record form, the key
projects with their stage timeline, and the 亩均 class list. Writes post CSRF-protected forms; reads and
writes go through the same services and scope checks as the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gridgov.deps import PageUser, SessionDep
from gridgov.enterprise_service.access import READ, RECOLOUR, RECORD, reader
from gridgov.enterprise_service.per_mu import PerMuService
from gridgov.enterprise_service.projects import ProjectService
from gridgov.enterprise_service.rules import Colour
from gridgov.enterprise_service.schemas import AppealCreate
from gridgov.enterprise_service.service import AppealFilter, AppealService
from gridgov.errors import AppError, Forbidden
from gridgov.kit.bounds import Id, Offset
from gridgov.kit.text import PlainLine, PlainText
from gridgov.kit.time import to_local, utcnow
from gridgov.registry.models import Enterprise
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)
ROOT = "/enterprise-service"
PER_MU_PAGE = 100
"""Rows per page of the class list (the export holds them all)."""


def _colour(value: str | None) -> Colour | None:
    return Colour(value) if value and value in Colour.__members__ else None


@router.get(ROOT)
def desk(
    request: Request,
    session: SessionDep,
    user: PageUser,
    colour: Annotated[str | None, Query()] = None,
    open_only: Annotated[bool, Query()] = False,
    township: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    who = reader(session, user)
    service = AppealService(session)
    where = AppealFilter(colour=_colour(colour), open_only=open_only, township=township or None)
    items, total = service.search(who, where, limit=200)
    context = {
        "appeals": [service.read(a) for a in items],
        "total": total,
        "colour": colour or "",
        "open_only": open_only,
        "township": township or "",
        "can_record": user.can(RECORD) or who.is_enterprise,
    }
    return render(request, "enterprise_service/desk.html", context)


@router.get(ROOT + "/appeals/{appeal_id}")
def appeal_page(request: Request, session: SessionDep, user: PageUser, appeal_id: Id) -> Response:
    service = AppealService(session)
    who = reader(session, user)
    appeal = service.read(service.get(who, appeal_id), full=True)
    context = {
        "a": appeal,
        "can_recolour": user.can(RECOLOUR) and not who.is_enterprise,
        "can_visit": user.can(RECORD) and not who.is_enterprise,
        "error": request.query_params.get("error", ""),
    }
    return render(request, "enterprise_service/appeal.html", context)


def _back(appeal_id: Id, error: AppError | None = None) -> Response:
    suffix = f"?error={error.message[:200]}" if error else ""
    return RedirectResponse(f"{ROOT}/appeals/{appeal_id}{suffix}", status_code=303)


@router.post(ROOT + "/appeals/{appeal_id}/colour")
def recolour_form(
    session: SessionDep,
    user: PageUser,
    appeal_id: Id,
    colour: Annotated[str, Form()],
    reason: Annotated[PlainText, Form(max_length=1000)] = "",
) -> Response:
    if not user.can(RECOLOUR):
        raise Forbidden(f"当前角色无权调整赋码 (needs {RECOLOUR})")
    chosen = _colour(colour)
    try:
        if chosen is None or len(reason.strip()) < 2:
            raise AppError("请选择颜色并填写理由 (colour and reason are required)", field="reason")
        AppealService(session).recolour(user, reader(session, user), appeal_id, chosen, reason)
    except AppError as exc:
        return _back(appeal_id, exc)
    return _back(appeal_id)


@router.post(ROOT + "/appeals/{appeal_id}/return-visit")
def return_visit_form(
    session: SessionDep,
    user: PageUser,
    appeal_id: Id,
    satisfaction: Annotated[int, Form(ge=1, le=5)],
    notes: Annotated[PlainText, Form(max_length=2000)] = "",
) -> Response:
    if not user.can(RECORD):
        raise Forbidden(f"当前角色无权记录回访 (needs {RECORD})")
    try:
        AppealService(session).return_visit(user, reader(session, user), appeal_id, satisfaction, notes)
    except AppError as exc:
        return _back(appeal_id, exc)
    return _back(appeal_id)


def _record_page(request: Request, session: SessionDep, user: PageUser, **extra: Any) -> Response:
    who = reader(session, user)
    enterprises = session.execute(
        select(Enterprise.id, Enterprise.name)
        .where(who.where(Enterprise.id, Enterprise.path), Enterprise.active.is_(True))
        .order_by(Enterprise.name)
        .limit(500)
    ).all()
    context = {"enterprises": enterprises, "categories": AppealService(session).rules.categories, **extra}
    return render(request, "enterprise_service/record.html", context, status_code=422 if "error" in extra else 200)


@router.get(ROOT + "/record")
def record_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    return _record_page(request, session, user)


@router.post(ROOT + "/record")
def record_form(
    request: Request,
    session: SessionDep,
    user: PageUser,
    enterprise_id: Annotated[int, Form()],
    category: Annotated[str, Form(max_length=24)],
    title: Annotated[PlainLine, Form(max_length=200)],
    description: Annotated[PlainText, Form(max_length=4000)],
    impact: Annotated[int, Form(ge=1, le=3)] = 1,
    urgency: Annotated[int, Form(ge=1, le=3)] = 1,
    shared: Annotated[int, Form(ge=1, le=10000)] = 1,
) -> Response:
    who = reader(session, user)
    if not (user.can(RECORD) or who.is_enterprise):
        raise Forbidden(f"当前角色无权记录企业诉求 (needs {RECORD})")
    try:
        data = AppealCreate(enterprise_id=enterprise_id, category=category, title=title, description=description,
                            impact=impact, urgency=urgency, shared=shared)  # fmt: skip
        appeal = AppealService(session).record(user, who, data)
    except AppError as exc:
        return _record_page(request, session, user, error=exc.message)
    except ValueError as exc:
        return _record_page(request, session, user, error=str(exc).splitlines()[0])
    return RedirectResponse(f"{ROOT}/appeals/{appeal.id}", status_code=303)


@router.get(ROOT + "/projects")
def projects_page(
    request: Request, session: SessionDep, user: PageUser, kind: Annotated[str | None, Query(max_length=16)] = None
) -> Response:
    views = ProjectService(session).search(reader(session, user), kind or None)
    return render(request, "enterprise_service/projects.html", {"views": views, "kind": kind or ""})


@router.get(ROOT + "/projects/{project_id}")
def project_page(request: Request, session: SessionDep, user: PageUser, project_id: Id) -> Response:
    who = reader(session, user)
    service = ProjectService(session)
    view = service.view(who, project_id)
    appeals = AppealService(session)
    blockers = [appeals.read(a) for a in appeals.search(who, AppealFilter(project_id=project_id), limit=100)[0]]
    dates = [d for s in view.stages for d in (s.planned, s.actual) if d] + [service.today()]
    start, end = min(dates), max(dates)
    span = max((end - start).days, 1)

    def pos(day: date) -> float:
        return round(100 * (day - start).days / span, 2)

    bars = [
        {"stage": s, "planned": pos(s.planned) if s.planned else None, "actual": pos(s.actual) if s.actual else None}
        for s in view.stages
    ]
    context = {"v": view, "bars": bars, "today": pos(service.today()), "blockers": blockers, "start": start, "end": end}
    return render(request, "enterprise_service/project.html", context)


@router.get(ROOT + "/per-mu")
def per_mu_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    klass: Annotated[str | None, Query(alias="class", max_length=1)] = None,
    offset: Annotated[Offset, Query()] = 0,
) -> Response:
    user.require(READ)
    service = PerMuService(session)
    years = service.years()
    chosen = year or (years[0] if years else to_local(utcnow()).year - 1)
    found = service.listing(reader(session, user), chosen, klass or None, limit=PER_MU_PAGE, offset=offset)
    base = {"year": chosen, **({"class": klass} if klass else {})}
    context = {"items": found.items, "counts": found.counts, "total": found.total, "offset": offset, "year": chosen,
               "years": years, "klass": klass or "", "scheme": service.scheme,
               "query_prev": urlencode({**base, "offset": max(offset - PER_MU_PAGE, 0)}),
               "query_next": urlencode({**base, "offset": offset + PER_MU_PAGE})}  # fmt: skip
    return render(request, "enterprise_service/per_mu.html", context)
