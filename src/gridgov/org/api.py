"""HTTP API of the organisation: nodes, units, people. Every route checks role and data scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from gridgov.auth.service import AuthService
from gridgov.deps import CurrentUser, SessionDep, SettingsDep
from gridgov.kit.bounds import Id
from gridgov.kit.bounds import Offset as BoundedOffset
from gridgov.org.enums import NodeKind, Role
from gridgov.org.schemas import (
    NodeCreate,
    NodePage,
    NodeRead,
    NodeUpdate,
    PersonCreate,
    PersonPage,
    PersonRead,
    PersonUpdate,
    UnitCreate,
    UnitRead,
)
from gridgov.org.service import OrgService

router = APIRouter(tags=["org 组织"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[BoundedOffset, Query()]


@router.get("/org/nodes", response_model=NodePage, summary="List nodes in your area (列出辖区节点)")
def list_nodes(
    session: SessionDep,
    user: CurrentUser,
    parent: str | None = None,
    kind: NodeKind | None = None,
    q: Annotated[str | None, Query(max_length=50)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> NodePage:
    user.require("org:read")
    service = OrgService(session)
    parent_id = service.get_node(user, parent).id if parent else None
    stmt = service.repo.node_statement(user.scope_paths, parent_id=parent_id, kind=kind, q=q)
    items, total = service.repo.page(stmt, limit=limit, offset=offset)
    return NodePage(items=service.read_nodes(items), total=total)


@router.get("/org/nodes/{code}", response_model=NodeRead, summary="One node (节点详情)")
def get_node(code: str, session: SessionDep, user: CurrentUser) -> NodeRead:
    user.require("org:read")
    service = OrgService(session)
    return service.read_nodes([service.get_node(user, code)])[0]


@router.post("/org/nodes", response_model=NodeRead, status_code=status.HTTP_201_CREATED, summary="Create a node")
def create_node(data: NodeCreate, session: SessionDep, user: CurrentUser, response: Response) -> NodeRead:
    service = OrgService(session)
    node = service.create_node(user, data)
    response.headers["Location"] = f"/api/v1/org/nodes/{node.code}"
    return service.read_nodes([node])[0]


@router.patch("/org/nodes/{code}", response_model=NodeRead, summary="Rename a node")
def update_node(code: str, data: NodeUpdate, session: SessionDep, user: CurrentUser) -> NodeRead:
    service = OrgService(session)
    return service.read_nodes([service.update_node(user, code, data)])[0]


@router.get("/org/units", response_model=list[UnitRead], summary="Units in your area (部门/科室/站所)")
def list_units(session: SessionDep, user: CurrentUser, node: str | None = None) -> list[UnitRead]:
    user.require("org:read")
    return OrgService(session).list_units(user, node)


@router.post("/org/units", response_model=UnitRead, status_code=status.HTTP_201_CREATED, summary="Create a unit")
def create_unit(data: UnitCreate, session: SessionDep, user: CurrentUser) -> UnitRead:
    return OrgService(session).create_unit(user, data)


@router.get("/people", response_model=PersonPage, summary="People in your area (人员)")
def list_people(
    session: SessionDep,
    user: CurrentUser,
    node: str | None = None,
    role: Role | None = None,
    q: Annotated[str | None, Query(max_length=50)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PersonPage:
    items, total = OrgService(session).list_people(user, node_code=node, role=role, q=q, limit=limit, offset=offset)
    return PersonPage(items=items, total=total)


@router.get("/people/{person_id}", response_model=PersonRead, summary="One person")
def get_person(person_id: Id, session: SessionDep, user: CurrentUser) -> PersonRead:
    user.require("people:read")
    service = OrgService(session)
    return service.read_person(user, service.get_person(user, person_id))


@router.post("/people", response_model=PersonRead, status_code=status.HTTP_201_CREATED, summary="Register a person")
def create_person(data: PersonCreate, session: SessionDep, user: CurrentUser, response: Response) -> PersonRead:
    service = OrgService(session)
    person = service.create_person(user, data)
    response.headers["Location"] = f"/api/v1/people/{person.id}"
    return service.read_person(user, person)


@router.patch("/people/{person_id}", response_model=PersonRead, summary="Update a person")
def update_person(
    person_id: Id, data: PersonUpdate, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> PersonRead:
    service = OrgService(session)
    person = service.update_person(user, person_id, data)
    if not person.active:  # signed out everywhere in the same transaction (sessions deleted, tokens revoked)
        AuthService(session, settings).person_deactivated(person.id)
    return service.read_person(user, person)
