"""HTTP API of geography: point lookup and boundaries as GeoJSON."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import NotFound
from gridgov.geo.schemas import BatchRequest, BatchResponse, Location, Point
from gridgov.geo.service import geo_service, import_boundaries, set_boundary
from gridgov.geo.shapes import simplified_geojson
from gridgov.org.enums import NodeKind
from gridgov.org.repository import OrgRepository
from gridgov.org.service import OrgService

router = APIRouter(tags=["geo 地理"])


@router.post("/geo/locate", response_model=Location, summary="Which grid/village/township holds this point")
def locate(point: Point, session: SessionDep, user: CurrentUser) -> Location:
    user.require("org:read")
    return geo_service.locate(session, point.lon, point.lat, user.scope_paths)


@router.post("/geo/locate/batch", response_model=BatchResponse, summary="Locate many points at once")
def locate_batch(data: BatchRequest, session: SessionDep, user: CurrentUser) -> BatchResponse:
    user.require("org:read")
    return geo_service.locate_many(session, data.points, user.scope_paths)


@router.get("/geo/boundaries", summary="Boundaries in your area as a GeoJSON FeatureCollection")
def boundaries(
    session: SessionDep,
    user: CurrentUser,
    kind: Annotated[list[NodeKind], Query()] = [NodeKind.township],  # noqa: B006
    parent: str | None = None,
    simplify: Annotated[float, Query(ge=0, le=0.01, description="Tolerance in degrees")] = 0.0005,
) -> dict[str, Any]:
    user.require("org:read")
    scope: list[str] = list(user.scope_paths)
    if parent:
        scope = [OrgService(session).get_node(user, parent).path]
    rows = OrgRepository(session).boundaries(scope, [k.value for k in kind])
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": name, "kind": node_kind},
            "geometry": simplified_geojson(geojson, simplify),
        }
        for code, name, node_kind, _path, geojson in rows
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/org/nodes/{code}/boundary", summary="A node's boundary as a GeoJSON Feature")
def node_boundary(code: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    user.require("org:read")
    node = OrgService(session).get_node(user, code)
    if node.boundary is None:
        raise NotFound(f"节点{code}没有边界 (no boundary)")
    return {
        "type": "Feature",
        "id": node.code,
        "properties": {"code": node.code, "name": node.name, "kind": node.kind},
        "geometry": json.loads(node.boundary),
    }


@router.put("/org/nodes/{code}/boundary", summary="Set a node's boundary (GeoJSON geometry)")
def put_boundary(
    code: str, session: SessionDep, user: CurrentUser, geometry: Annotated[dict[str, Any], Body()]
) -> dict[str, str]:
    user.require("org:write")
    node = OrgService(session).get_node(user, code)
    set_boundary(node, geometry)
    session.flush()
    return {"code": node.code, "status": "ok"}


@router.post("/geo/boundaries", summary="Import boundaries from a GeoJSON FeatureCollection (properties.code)")
def post_boundaries(
    session: SessionDep, user: CurrentUser, collection: Annotated[dict[str, Any], Body()]
) -> dict[str, int]:
    user.require("org:write")
    service = OrgService(session)
    for feature in collection.get("features") or []:
        code = str((feature.get("properties") or {}).get("code", ""))
        service.get_node(user, code)
    return {"imported": import_boundaries(session, collection)}
