"""Org browser pages: the tree with its map, and the people list."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from gridgov.deps import PageUser, SessionDep
from gridgov.errors import NotFound
from gridgov.kit.bounds import Offset
from gridgov.org.enums import NodeKind, Role
from gridgov.org.service import OrgService
from gridgov.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/org")
def org_home(request: Request, user: PageUser, session: SessionDep) -> Response:
    user.require("org:read")
    if not user.scope_paths:
        raise NotFound("您的账号没有辖区 (your account has no area)")
    codes = [path.rstrip("/").rsplit("/", 1)[-1] for path in user.scope_paths]
    if len(codes) == 1:
        return RedirectResponse(f"/org/{codes[0]}", status_code=303)
    repo = OrgService(session).repo
    nodes = sorted(repo.nodes_by_codes(codes).values(), key=lambda n: n.code)
    return render(request, "org/areas.html", {"areas": nodes})


@router.get("/org/{code}")
def org_node(code: str, request: Request, user: PageUser, session: SessionDep) -> Response:
    user.require("org:read")
    service = OrgService(session)
    node = service.get_node(user, code)
    children = service.read_nodes(service.repo.children(node.id))
    ancestors = node.path.strip("/").split("/")
    names = service.repo.names_by_code(ancestors)
    breadcrumbs = [
        {
            "code": c,
            "name": names.get(c, c),
            "link": user.covers("/".join(ancestors[: i + 1]) + "/") and c != code,
        }
        for i, c in enumerate(ancestors)
    ]
    people, total = service.list_people(user, node_code=code, limit=30) if user.can("people:read") else ([], 0)
    role_nodes = {r.node_code for p in people for r in p.roles}
    kind = NodeKind(node.kind)
    child_kind = list(NodeKind)[kind.depth + 1] if kind.depth + 1 < len(NodeKind) else None
    return render(
        request,
        "org/browser.html",
        {
            "node": node,
            "children": children,
            "child_kind": child_kind.value if child_kind and children else None,
            "breadcrumbs": breadcrumbs,
            "units": service.list_units(user, code) if kind.depth <= 1 else [],
            "people": people,
            "people_total": total,
            "node_names": service.repo.names_by_code(list(role_nodes)),
        },
    )


@router.get("/people")
def people_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    node: str | None = None,
    role: Role | None = None,
    q: Annotated[str | None, Query(max_length=50)] = None,
    offset: Annotated[Offset, Query()] = 0,
) -> Response:
    service = OrgService(session)
    limit = 50
    people, total = service.list_people(user, node_code=node, role=role, q=q, limit=limit, offset=offset)
    base = {k: v for k, v in {"node": node, "role": role.value if role else None, "q": q}.items() if v}
    return render(
        request,
        "org/people.html",
        {
            "people": people,
            "people_total": total,
            "q": q,
            "role": role.value if role else "",
            "node_code": node,
            "roles": [r.value for r in Role],
            "offset": offset,
            "query_prev": urlencode({**base, "offset": max(offset - limit, 0)}),
            "query_next": urlencode({**base, "offset": offset + limit}),
            "node_names": service.repo.names_by_code(list({r.node_code for p in people for r in p.roles})),
        },
    )
