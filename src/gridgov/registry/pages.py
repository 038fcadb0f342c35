"""Registry pages: enterprises (list, detail with the enabled modules' panels) and places, within the reader's area."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from gridgov.deps import PageUser, SessionDep
from gridgov.i18n import translator
from gridgov.kit.bounds import Id
from gridgov.kit.bounds import Offset as BoundedOffset
from gridgov.registry.panels import panels_of
from gridgov.registry.service import RegistryService
from gridgov.web.templating import render, request_locale, templates

router = APIRouter(include_in_schema=False)
PAGE = 50
Text = Annotated[str | None, Query(max_length=50)]
Offset = Annotated[BoundedOffset, Query()]


def _pager(filters: dict[str, Any], offset: int, shown: int, total: int) -> dict[str, str | None]:
    base = {k: v for k, v in filters.items() if v}
    return {
        "prev": urlencode({**base, "offset": max(offset - PAGE, 0)}) if offset > 0 else None,
        "next": urlencode({**base, "offset": offset + PAGE}) if offset + shown < total else None,
    }


@router.get("/registry/enterprises")
def enterprises_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    township: Text = None,
    park: Text = None,
    industry: Annotated[str | None, Query(max_length=8)] = None,
    q: Text = None,
    offset: Offset = 0,
) -> Response:
    service = RegistryService(session)
    rows, total = service.list_enterprises(
        user, township=township, park=park, industry=industry, q=q, limit=PAGE, offset=offset
    )
    filters = {"township": township, "park": park, "industry": industry, "q": q}
    context = {
        "items": service.read_enterprises(user, rows),
        "total": total,
        "filters": filters,
        "townships": service.repo.townships(user.scope_paths),
        "parks": service.repo.parks(user.scope_paths),
        "pager": _pager(filters, offset, len(rows), total),
    }
    return render(request, "registry/enterprises.html", context)


@router.get("/registry/enterprises/{enterprise_id:int}")
def enterprise_page(request: Request, user: PageUser, session: SessionDep, enterprise_id: Id) -> Response:
    service = RegistryService(session)
    enterprise = service.get_enterprise(user, enterprise_id)
    places, _ = service.list_places(user, enterprise_id=enterprise.id, limit=200)
    locale = request_locale(request)
    common = {"t": translator(locale), "locale": locale, "user": user, "enterprise": enterprise}
    panels = []
    for panel in panels_of(getattr(request.app.state, "modules", ())):
        values = panel.context(session, user, enterprise.id)
        if values is not None:
            html = templates.env.get_template(panel.template).render({**common, "panel": panel, **values})
            panels.append((panel, Markup(html)))  # rendered by the autoescaping environment
    types = service.place_types()
    context = {
        "e": service.read_enterprises(user, [enterprise])[0],
        "enterprise": enterprise,
        "places": service.read_places(user, places),
        "type_labels": {t.code: t.label(locale) for t in types.types},
        "panels": panels,
    }
    return render(request, "registry/enterprise.html", context)


@router.get("/registry/places")
def places_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    township: Text = None,
    type: Annotated[str | None, Query(max_length=32)] = None,
    q: Text = None,
    offset: Offset = 0,
) -> Response:
    service = RegistryService(session)
    rows, total = service.list_places(user, township=township, type_code=type, q=q, limit=PAGE, offset=offset)
    types = service.place_types()
    locale = request_locale(request)
    filters = {"township": township, "type": type, "q": q}
    attribute_labels = {t.code: {a.key: a.label(locale) for a in t.attributes} for t in types.types}
    context = {
        "items": service.read_places(user, rows),
        "total": total,
        "filters": filters,
        "townships": service.repo.townships(user.scope_paths),
        "types": [(t.code, t.label(locale)) for t in types.types],
        "type_labels": {t.code: t.label(locale) for t in types.types},
        "attribute_labels": attribute_labels,
        "pager": _pager(filters, offset, len(rows), total),
    }
    return render(request, "registry/places.html", context)
