"""The OGC SensorThings API 1.1 read side (Sensing Core + Filtering Extension) at ``/api/v1/sensorthings/v1.1``.

Resource paths (OGC 18-088 §9.2): ``Things``, ``Things(1)``, ``Things(1)/Datastreams``, ``Datastreams(1)/Thing``,
``Things(1)/Datastreams(2)/Observations``, ``Things(1)/name``, ``Things(1)/name/$value``, ``Things/$ref`` and
``Things(1)/$ref`` for all eight entity sets (see :mod:`gridgov.sensing.sensorthings_entities`). Query options
(§9.3): ``$expand`` (nested options and path form), ``$select``, ``$orderby`` (several keys, expressions),
``$top`` (capped at :data:`MAX_TOP`, then ``@iot.nextLink``), ``$skip``, ``$count`` and ``$filter`` (parsed by
:mod:`~gridgov.sensing.sensorthings_query`, compiled by :mod:`~gridgov.sensing.sensorthings_sql`). A bad query is
a 400, an entity that does not exist or lies outside the caller's area a 404: a township sees its own stations
and what hangs from them only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import ColumnElement, Select, and_, literal, select
from sqlalchemy.orm import aliased

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import NotFound
from gridgov.kit.bounds import MAX_INT
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.sensing.models import Datastream, Station
from gridgov.sensing.repository import SensingRepository
from gridgov.sensing.sensorthings_entities import SETS, EntitySet, Extras, Nav
from gridgov.sensing.sensorthings_query import Options, QueryError, request_options
from gridgov.sensing.sensorthings_sql import Compiler

router = APIRouter(prefix="/sensorthings/v1.1", tags=["SensorThings 1.1 (read)"])
BASE = "/api/v1/sensorthings/v1.1"
NOT_VISIBLE = "实体不存在或不在您的辖区内 (no such entity in your area)"
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
]
_SEGMENT = re.compile(r"^(?P<name>[A-Za-z]+)(?:\((?P<id>\d{1,19})\))?$")


@dataclass
class Context:
    request: Request
    repo: SensingRepository
    principal: Principal
    base: str
    compiler: Compiler
    extras: Extras = field(default_factory=lambda: Extras({}, {}, {}))

    def visible(self, entity: EntitySet, alias: Any) -> ColumnElement[bool]:
        """The rows of ``entity`` (as ``alias``) this caller may see, its set's restriction included."""
        stations = self.repo.visible_station_ids(self.principal.scope_paths, list(self.principal.unit_ids))
        if entity.model is Station:
            condition: ColumnElement[bool] = alias.id.in_(stations)
        elif entity.model is Datastream and entity.restrict is not None:
            stream = aliased(Datastream)
            shown = select(stream.property).where(stream.station_id.in_(stations))
            condition = and_(entity.restrict(alias), alias.property.in_(shown))
        elif entity.model is Datastream:
            condition = alias.station_id.in_(stations)
        else:
            condition = alias.datastream_id.in_(select(Datastream.id).where(Datastream.station_id.in_(stations)))
        return condition


@dataclass
class Target:
    """What a resource path addresses: a set (or one entity of it) as an alias and a statement over it."""

    entity: EntitySet
    alias: Any
    stmt: Select[Any]
    single: bool
    path: str


def _not_found(what: str = "") -> NotFound:
    return NotFound(f"{NOT_VISIBLE}{': ' + what if what else ''}")


def _context(request: Request, session: SessionDep, user: Principal) -> Context:
    repo = SensingRepository(session)
    dialect = session.get_bind().dialect.name
    compiler = Compiler(dialect, repo.station_points, utcnow())
    return Context(request, repo, user, str(request.base_url).rstrip("/") + BASE, compiler)


def _resolve(ctx: Context, segments: list[str]) -> tuple[Target, list[str]]:
    """Walk entity-set and navigation segments; return the target and the segments left (property, $value, $ref)."""
    match = _SEGMENT.match(segments[0])
    if match is None or match["name"] not in SETS:
        raise _not_found(f"{segments[0]} 不是实体集 (not an entity set; sets: {', '.join(SETS)})")
    entity = SETS[match["name"]]
    alias = aliased(entity.model)
    target = Target(entity, alias, select(alias).where(ctx.visible(entity, alias)), False, f"/{entity.name}")
    target = _pick(ctx, target, match["id"])
    rest = segments[1:]
    while rest and target.single:
        match = _SEGMENT.match(rest[0])
        if match is None or match["name"] not in target.entity.navigation:
            break
        nav = target.entity.navigation[match["name"]]
        target = _navigate(ctx, target, nav, f"{target.path}/{match['name']}")
        if not nav.many:
            if match["id"] is not None:
                raise _not_found(rest[0])
            target.single = True
            _exists(ctx, target)
        else:
            target = _pick(ctx, target, match["id"])
        rest = rest[1:]
    return target, rest


def _pick(ctx: Context, target: Target, entity_id: str | None) -> Target:
    if entity_id is None:
        return target
    number = int(entity_id)
    if number > MAX_INT:
        raise _not_found()
    target.stmt = target.stmt.where(target.alias.id == number)
    target.single = True
    target.path += f"({number})"
    _exists(ctx, target)
    return target


def _exists(ctx: Context, target: Target) -> None:
    if not ctx.repo.run(target.stmt.limit(1)):
        raise _not_found(target.path)


def _navigate(ctx: Context, parent: Target, nav: Nav, path: str) -> Target:
    entity = SETS[nav.target]
    child = aliased(entity.model)
    related = parent.stmt.with_only_columns(literal(1)).where(nav.join(parent.alias, child)).exists()
    return Target(entity, child, select(child).where(ctx.visible(entity, child), related), False, path)


# reading ----------------------------------------------------------------------------------------
def _page(ctx: Context, target: Target, options: Options) -> tuple[list[Any], bool, int | None]:
    """The rows of a page, whether more follow, and the total when ``$count=true``."""
    stmt = target.stmt
    if options.filter is not None:
        stmt = stmt.where(ctx.compiler.condition(options.filter, target.entity, target.alias))
    order = [ctx.compiler.order(o, target.entity, target.alias) for o in options.orderby]
    total = ctx.repo.count(stmt) if options.count else None
    limit = options.page
    rows = ctx.repo.run(stmt.order_by(*order, target.alias.id.asc()).offset(options.skip).limit(limit + 1))
    return rows[:limit], len(rows) > limit, total


def _next_link(link: str, options: Options, params: list[tuple[str, str]]) -> str:
    limit = options.page
    wanted = None if options.top is None else options.top - limit if options.top > limit else options.top
    kept = [(k, v) for k, v in params if k not in ("$top", "$skip")]
    if wanted is not None:
        kept.append(("$top", str(wanted)))
    kept.append(("$skip", str(options.skip + limit)))
    return f"{link}?{urlencode(kept)}"


def _prepare(ctx: Context, entity: EntitySet, rows: list[Any]) -> None:
    """Load what rendering these rows needs: the stations of datastreams, datastreams' time spans."""
    if entity.model is not Datastream:
        return
    missing = list({d.station_id for d in rows} - ctx.extras.stations.keys())
    ctx.extras.stations.update(ctx.repo.stations_by_ids(missing))
    if entity.name == "Datastreams":
        spans = ctx.repo.time_spans([d.id for d in rows if d.id not in ctx.extras.spans])
        ctx.extras.spans.update(spans)
        ctx.extras.result_spans.update(spans)


def _render(ctx: Context, entity: EntitySet, rows: list[Any], options: Options) -> list[dict[str, Any]]:
    _prepare(ctx, entity, rows)
    for name in options.expand:
        if name not in entity.navigation:
            allowed = ", ".join(entity.navigation)
            raise QueryError(f"$expand: {entity.name} 不能展开 {name} (allowed: {allowed})", field="$expand")
    selected = _selection(entity, options)
    out = []
    for row in rows:
        link = f"{ctx.base}/{entity.name}({row.id})"
        body: dict[str, Any] = {"@iot.id": row.id, "@iot.selfLink": link, **entity.render(row, ctx.extras)}
        for name in entity.navigation:
            body[f"{name}@iot.navigationLink"] = f"{link}/{name}"
        for name, nested in options.expand.items():
            body.update(_expanded(ctx, entity, row, name, nested, link))
        if selected is not None:
            body = {k: v for k, v in body.items() if _kept(k, selected, options)}
        out.append(body)
    return out


def _kept(key: str, selected: set[str], options: Options) -> bool:
    """Under ``$select``: a selected property or id, a selected navigation link, or an expansion."""
    name, _, annotation = key.partition("@iot.")
    if annotation == "navigationLink":
        return name in selected
    return key in selected or (bool(name) and name in options.expand)


def _selection(entity: EntitySet, options: Options) -> set[str] | None:
    if options.select is None:
        return None
    chosen: set[str] = set()
    for path in options.select:
        name = "/".join(path.segments)
        if name in ("id", "@iot.id"):
            chosen.add("@iot.id")
        elif name == "@iot.selfLink":
            chosen.add(name)
        elif name in entity.fields or name in entity.navigation:
            chosen.add(name)
        else:
            known = ", ".join(["id", *entity.fields, *entity.navigation])
            raise QueryError(f"$select: {entity.name} 没有 {name} (unknown property; known: {known})", field="$select")
    return chosen


def _expanded(ctx: Context, entity: EntitySet, row: Any, name: str, options: Options, link: str) -> dict[str, Any]:
    nav = entity.navigation[name]
    parent = aliased(entity.model)
    target = Target(entity, parent, select(parent).where(parent.id == row.id), True, "")
    child = _navigate(ctx, target, nav, "")
    related = SETS[nav.target]
    rows, more, total = _page(ctx, child, options)
    rendered = _render(ctx, related, rows, options)
    if not nav.many:
        return {name: rendered[0]} if rendered else {}
    body: dict[str, Any] = {}
    if total is not None:
        body[f"{name}@iot.count"] = total
    body[name] = rendered
    if more and options.page:
        params = [("$top", str(options.top))] if options.top is not None else []
        body[f"{name}@iot.nextLink"] = _next_link(f"{link}/{name}", options, params)
    return body


def _answer(ctx: Context, target: Target, rest: list[str], options: Options) -> Any:
    link = ctx.base + target.path
    if rest == ["$ref"]:
        if target.single:
            (row,) = ctx.repo.run(target.stmt.limit(1))
            return {"@iot.selfLink": f"{ctx.base}/{target.entity.name}({row.id})"}
        rows, more, total = _page(ctx, target, options)
        refs = [{"@iot.selfLink": f"{ctx.base}/{target.entity.name}({r.id})"} for r in rows]
        return _collection_body(ctx, refs, more, total, link, options)
    if rest:
        return _property(ctx, target, rest)
    if target.single:
        (row,) = ctx.repo.run(target.stmt.limit(1))
        return _render(ctx, target.entity, [row], options)[0]
    rows, more, total = _page(ctx, target, options)
    return _collection_body(ctx, _render(ctx, target.entity, rows, options), more, total, link, options)


def _collection_body(
    ctx: Context, value: list[dict[str, Any]], more: bool, total: int | None, link: str, options: Options
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if total is not None:
        body["@iot.count"] = total
    if more and options.page:
        body["@iot.nextLink"] = _next_link(link, options, list(ctx.request.query_params.multi_items()))
    body["value"] = value
    return body


def _property(ctx: Context, target: Target, rest: list[str]) -> Any:
    if not target.single or len(rest) > 2 or (len(rest) == 2 and rest[1] != "$value"):
        raise _not_found("/".join(rest))
    name = rest[0]
    if name not in target.entity.fields:
        raise _not_found(f"{target.entity.name} 没有属性 {name} (no such property)")
    (row,) = ctx.repo.run(target.stmt.limit(1))
    _prepare(ctx, target.entity, [row])
    value = target.entity.render(row, ctx.extras).get(name)
    if len(rest) == 2:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return PlainTextResponse(text)
    return {name: value}


# routes -----------------------------------------------------------------------------------------
def _root(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + BASE
    return {
        "value": [{"name": name, "url": f"{base}/{name}"} for name in SETS],
        "serverSettings": {"conformance": CONFORMANCE},
    }


@router.get("", summary="SensorThings service root (服务根)")
def service_root(request: Request, user: CurrentUser) -> dict[str, Any]:
    return _root(request)


@router.get(
    "/{resource_path:path}",
    summary="SensorThings resource path: entity sets, entities, navigation, properties, $value, $ref",
    response_model=None,
)
def resource(request: Request, session: SessionDep, user: CurrentUser, resource_path: str) -> Response | Any:
    segments = [s for s in resource_path.split("/") if s]
    if not segments:
        return _root(request)
    ctx = _context(request, session, user)
    options = request_options(list(request.query_params.multi_items()))
    target, rest = _resolve(ctx, segments)
    answer = _answer(ctx, target, rest, options)
    return answer if isinstance(answer, Response) else JSONResponse(answer)
