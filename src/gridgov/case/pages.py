"""Case pages: the operators' desk (案件工作台), one case with its timeline and actions, and the
mobile report page (上报) of grid members. Writes go through the JSON API from the browser."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gridgov.auth.principal import Principal
from gridgov.case.api import case_service
from gridgov.case.schemas import CaseRead
from gridgov.case.service import CaseService
from gridgov.case.workflow import Action, CaseState
from gridgov.deps import PageUser, SessionDep
from gridgov.org.enums import NodeKind
from gridgov.org.repository import OrgRepository
from gridgov.org.service import OrgService
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _townships(repo: OrgRepository, user: Principal) -> list[tuple[str, str]]:
    """(code, name) of the townships the user's area touches: whole ones below a county scope, and the
    township above a village or grid scope."""
    codes = {parts[1] for parts in (p.strip("/").split("/") for p in user.scope_paths) if len(parts) >= 2}
    if user.scope_paths:
        stmt = repo.node_statement(list(user.scope_paths), kind=NodeKind.township.value)
        codes.update(node.code for node in repo.session.scalars(stmt))
    names = repo.names_by_code(sorted(codes))
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda pair: pair[0])


def _state(value: str | None) -> CaseState | None:
    return CaseState(value) if value and value in CaseState.__members__ else None


def _category_options(service: CaseService) -> list[dict[str, Any]]:
    taxonomy = service.taxonomy
    return [
        {
            "code": major,
            "name": name,
            "categories": [{"code": c.code, "name": c.name} for c in taxonomy.categories if c.major == major],
        }
        for major, name in sorted(taxonomy.majors.items())
    ]


@router.get("/cases")
def case_desk(
    request: Request,
    user: PageUser,
    session: SessionDep,
    state: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=4)] = None,
    township: Annotated[str | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    service = case_service(request, session)
    chosen_state = _state(state)
    cases, total = service.search(
        user, state=chosen_state, category=category, township=township, limit=PAGE_SIZE, offset=offset
    )
    org = OrgRepository(session)
    units = org.units_by_codes([c.unit_code for c in cases if c.unit_code])
    townships = _townships(org, user)
    base = {
        k: v
        for k, v in {
            "state": chosen_state.value if chosen_state else None,
            "category": category,
            "township": township,
        }.items()
        if v
    }
    return render(
        request,
        "case/desk.html",
        {
            "cases": cases,
            "total": total,
            "calendar_gaps": service.calendar_gaps(),
            "offset": offset,
            "page_size": PAGE_SIZE,
            "unit_names": {code: unit.name for code, unit in units.items()},
            "township_names": dict(townships) | org.names_by_code([c.township_code for c in cases]),
            "states": [(s.value, s.label) for s in CaseState],
            "majors": _category_options(service),
            "townships": townships,
            "state": chosen_state.value if chosen_state else "",
            "category": category or "",
            "township": township or "",
            "query_prev": urlencode({**base, "offset": max(offset - PAGE_SIZE, 0)}),
            "query_next": urlencode({**base, "offset": offset + PAGE_SIZE}),
        },
    )


def _forms(case: CaseRead) -> list[dict[str, Any]]:
    """One small form per allowed action, with the fields that action needs."""
    forms = []
    for action in case.allowed_actions:
        fields: list[str] = []
        if action is Action.dispatch:
            fields.append("unit_code")
        if action is Action.request_extension:
            fields.append("days")
        if action is Action.merge:
            fields.append("into_case")
        forms.append(
            {
                "action": action.value,
                "label": action.label,
                "fields": fields,
                "comment_required": action in (Action.give_back, Action.comment, Action.verify_fail),
            }
        )
    return forms


@router.get("/cases/{number}")
def case_detail(number: str, request: Request, user: PageUser, session: SessionDep) -> Response:
    service = case_service(request, session)
    case = service.read(user, service.get(user, number), with_events=True)
    org = OrgRepository(session)
    needs_units = Action.dispatch in case.allowed_actions
    units = OrgService(session).list_units(user) if needs_units else []
    unit = org.unit_by_code(case.unit_code) if case.unit_code else None
    names = org.names_by_code(
        [c for c in (case.township_code, case.village_code, case.grid_code, case.owner_code) if c]
    )
    category = service.taxonomy.get(case.category)
    event_units = [str(e.data["unit"]) for e in case.events or [] if e.data and e.data.get("unit")]
    return render(
        request,
        "case/detail.html",
        {
            "case": case,
            "category": category,
            "unit_name": unit.name if unit else None,
            "event_units": {code: u.name for code, u in org.units_by_codes(event_units).items()},
            "names": names,
            "units": units,
            "forms": _forms(case),
        },
    )


@router.get("/report")
def report_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    service = case_service(request, session)
    return render(request, "case/report.html", {"majors": _category_options(service)})
