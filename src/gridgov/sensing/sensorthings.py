"""A read API modelled on OGC SensorThings API 1.1 (Sensing core), at ``/api/v1/sensorthings/v1.1``.

Entities: Things (stations), Locations (a station's point; same id), Datastreams, Observations, each with
``@iot.id``, ``@iot.selfLink`` and navigation links. Query options: ``$top`` (default 100, at most 1000),
``$skip``, ``$count``, ``$orderby`` (``prop [asc|desc]``, comma-separated), ``$filter`` (``eq ne gt ge lt le``,
``and or not``, parentheses; ISO times, numbers, 'strings'), ``$expand`` (Things: Datastreams, Locations;
Datastreams: Thing, Observations with nested ``$top;$skip;$orderby;$filter``; Observations: Datastream)
and ``@iot.nextLink``. Everything is scope-checked: a township sees its own stations only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy import ColumnElement, Select, and_, not_, or_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeDecorator

from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput, NotFound
from gridgov.kit.bounds import Id, Offset
from gridgov.kit.principal import Principal
from gridgov.kit.time import as_utc
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.sensing.parsing import Malformed, parse_time
from gridgov.sensing.repository import SensingRepository

router = APIRouter(prefix="/sensorthings/v1.1", tags=["SensorThings 1.1 (read)"])
BASE = "/api/v1/sensorthings/v1.1"
DEFAULT_TOP, MAX_TOP = 100, 1000
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
NOT_VISIBLE = "实体不存在或不在您的辖区内 (no such entity in your area)"

Top = Annotated[int | None, Query(alias="$top", ge=0, le=MAX_TOP)]
Skip = Annotated[Offset, Query(alias="$skip")]
Count = Annotated[bool, Query(alias="$count")]
OrderBy = Annotated[str | None, Query(alias="$orderby", max_length=200)]
Filter = Annotated[str | None, Query(alias="$filter", max_length=1000)]
Expand = Annotated[str | None, Query(alias="$expand", max_length=300)]


# $filter --------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')"
    r"|(?P<time>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)"
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<lp>\()|(?P<rp>\))"
    r"|(?P<word>[A-Za-z@][A-Za-z0-9_/@.]*))"
)
_COMPARE = {
    "eq": lambda c, v: c == v,
    "ne": lambda c, v: c != v,
    "gt": lambda c, v: c > v,
    "ge": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "le": lambda c, v: c <= v,
}
_FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


def _bad(message: str) -> InvalidInput:
    return InvalidInput(f"$filter: {message}", field="$filter")


@dataclass(frozen=True)
class _Literal:
    value: Any
    kind: str


class FilterParser:
    """OData ``$filter`` subset → a SQL condition over the entity's properties."""

    def __init__(self, text: str, properties: dict[str, InstrumentedAttribute[Any]]) -> None:
        self.properties = properties
        self.tokens: list[tuple[str, str]] = []
        position, text = 0, text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise _bad(f"无法解析 (cannot parse near {text[position : position + 20]!r})")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1
        self.index = 0

    def parse(self) -> ColumnElement[bool]:
        condition = self._or()
        if self.index != len(self.tokens):
            raise _bad(f"多余的内容 (unexpected {self.tokens[self.index][1]!r})")
        return condition

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise _bad("表达式不完整 (expression ends too early)")
        self.index += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.index += 1
            return True
        return False

    def _or(self) -> ColumnElement[bool]:
        parts = [self._and()]
        while self._keyword("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else or_(*parts)

    def _and(self) -> ColumnElement[bool]:
        parts = [self._unary()]
        while self._keyword("and"):
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else and_(*parts)

    def _unary(self) -> ColumnElement[bool]:
        if self._keyword("not"):
            return not_(self._unary())
        token = self._peek()
        if token is not None and token[0] == "lp":
            self.index += 1
            inner = self._or()
            if self._take()[0] != "rp":
                raise _bad("缺少右括号 (missing ')')")
            return inner
        left = self._operand()
        op = self._take()
        if op[0] != "word" or op[1].lower() not in _COMPARE:
            raise _bad(f"不支持的运算符 {op[1]!r} (use eq ne gt ge lt le)")
        right = self._operand()
        name = op[1].lower()
        if isinstance(left, _Literal) and not isinstance(right, _Literal):
            left, right, name = right, left, _FLIP[name]
        if isinstance(left, _Literal) or not isinstance(right, _Literal):
            raise _bad("比较须为 属性 运算符 值 (compare a property with a value)")
        return _COMPARE[name](left, self._convert(left, right))  # type: ignore[no-any-return]

    def _operand(self) -> InstrumentedAttribute[Any] | _Literal:
        kind, text = self._take()
        if kind == "word":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return _Literal(lowered == "true", "bool")
            if lowered == "null":
                return _Literal(None, "null")
            column = self.properties.get(text)
            if column is None:
                known = ", ".join(sorted(self.properties))
                raise _bad(f"未知属性 {text} (unknown property; known: {known})")
            return column
        if kind == "str":
            return _Literal(text[1:-1].replace("''", "'"), "str")
        if kind == "num":
            return _Literal(float(text), "num")
        if kind == "time":
            return _Literal(text, "time")
        raise _bad(f"意外的符号 {text!r} (unexpected token)")

    def _convert(self, column: InstrumentedAttribute[Any], literal: _Literal) -> Any:
        kind = column.type
        python_type = kind.impl_instance.python_type if isinstance(kind, TypeDecorator) else kind.python_type
        if literal.kind == "null":
            return None
        if python_type is datetime:
            try:
                return parse_time(literal.value if literal.kind in ("time", "str") else float(literal.value), "UTC")
            except Malformed as exc:
                raise _bad(f"时间格式错误 (bad time {literal.value!r})") from exc
        if python_type in (int, float):
            if literal.kind != "num":
                raise _bad(f"应为数字 (expected a number, got {literal.value!r})")
            return python_type(literal.value)
        if python_type is bool:
            return bool(literal.value)
        return str(literal.value)


# entities -------------------------------------------------------------------------------------
@dataclass
class Context:
    request: Request
    repo: SensingRepository
    principal: Principal
    base: str = ""
    stations: dict[int, Station] = field(default_factory=dict)

    def link(self, path: str) -> str:
        return f"{self.base}{path}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat().replace("+00:00", "Z")


def _thing(ctx: Context, s: Station) -> dict[str, Any]:
    link = ctx.link(f"/Things({s.id})")
    return {
        "@iot.id": s.id,
        "@iot.selfLink": link,
        "name": s.name,
        "description": f"{s.kind} {s.code}",
        "properties": {
            "code": s.code,
            "kind": s.kind,
            "intervalSeconds": s.interval_seconds,
            "active": s.active,
            "lastSeenAt": _iso(s.last_seen_at),
            "area": s.path.strip("/").split("/")[-1],
        },
        "Locations@iot.navigationLink": f"{link}/Locations",
        "Datastreams@iot.navigationLink": f"{link}/Datastreams",
    }


def _location(ctx: Context, s: Station) -> dict[str, Any]:
    link = ctx.link(f"/Locations({s.id})")
    return {
        "@iot.id": s.id,
        "@iot.selfLink": link,
        "name": s.name,
        "description": f"{s.name} ({s.code})",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [s.lon, s.lat]},
        "Things@iot.navigationLink": f"{link}/Things",
    }


def _datastream(ctx: Context, d: Datastream, spans: dict[int, tuple[datetime, datetime]]) -> dict[str, Any]:
    link = ctx.link(f"/Datastreams({d.id})")
    station = ctx.stations.get(d.station_id)
    span = spans.get(d.id)
    return {
        "@iot.id": d.id,
        "@iot.selfLink": link,
        "name": f"{station.code if station else d.station_id} {d.property}",
        "description": f"{station.name if station else ''} {d.property}".strip(),
        "unitOfMeasurement": {"name": d.unit, "symbol": d.unit, "definition": ""},
        "observationType": OM_MEASUREMENT,
        "phenomenonTime": f"{_iso(span[0])}/{_iso(span[1])}" if span else None,
        "properties": {"observedProperty": d.property, "minValue": d.min_value, "maxValue": d.max_value},
        "Thing@iot.navigationLink": f"{link}/Thing",
        "Observations@iot.navigationLink": f"{link}/Observations",
    }


def _observation(ctx: Context, o: Observation) -> dict[str, Any]:
    link = ctx.link(f"/Observations({o.id})")
    return {
        "@iot.id": o.id,
        "@iot.selfLink": link,
        "phenomenonTime": _iso(o.phenomenon_time),
        "resultTime": _iso(o.phenomenon_time),
        "result": o.value,
        "parameters": {"receivedTime": _iso(o.received_at), "repeats": o.repeats},
        "Datastream@iot.navigationLink": f"{link}/Datastream",
    }


@dataclass(frozen=True)
class Entity:
    name: str
    model: type[Any]
    properties: dict[str, InstrumentedAttribute[Any]]
    default_order: tuple[InstrumentedAttribute[Any], ...]
    expands: frozenset[str]


THINGS = Entity(
    "Things",
    Station,
    {"id": Station.id, "@iot.id": Station.id, "name": Station.name, "properties/code": Station.code,
     "properties/kind": Station.kind, "properties/active": Station.active},
    (Station.id,),
    frozenset({"Datastreams", "Locations"}),
)  # fmt: skip
LOCATIONS = Entity(
    "Locations", Station, {"id": Station.id, "@iot.id": Station.id, "name": Station.name}, (Station.id,), frozenset()
)
DATASTREAMS = Entity(
    "Datastreams",
    Datastream,
    {"id": Datastream.id, "@iot.id": Datastream.id, "unitOfMeasurement/symbol": Datastream.unit,
     "ObservedProperty/name": Datastream.property, "properties/observedProperty": Datastream.property},
    (Datastream.id,),
    frozenset({"Thing", "Observations"}),
)  # fmt: skip
OBSERVATIONS = Entity(
    "Observations",
    Observation,
    {"id": Observation.id, "@iot.id": Observation.id, "phenomenonTime": Observation.phenomenon_time,
     "resultTime": Observation.phenomenon_time, "result": Observation.value},
    (Observation.phenomenon_time, Observation.id),
    frozenset({"Datastream"}),
)  # fmt: skip


@dataclass
class Options:
    top: int = DEFAULT_TOP
    skip: int = 0
    count: bool = False
    orderby: str | None = None
    filter: str | None = None
    expand: dict[str, Options] = field(default_factory=dict)


def _split(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside parentheses and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _expand(text: str | None, entity: Entity) -> dict[str, Options]:
    found: dict[str, Options] = {}
    for item in _split(text or "", ","):
        name, _, rest = item.partition("(")
        name = name.strip()
        if name not in entity.expands:
            allowed = ", ".join(sorted(entity.expands)) or "none"
            raise InvalidInput(
                f"$expand: 不能展开 {name} (cannot expand {name} here; allowed: {allowed})", field="$expand"
            )
        options = Options()
        for pair in _split(rest.rstrip(")"), ";") if rest else []:
            key, _, value = pair.partition("=")
            if key == "$top" and value.isdigit():
                options.top = min(int(value), MAX_TOP)
            elif key == "$skip" and value.isdigit():
                options.skip = int(value)
            elif key == "$orderby":
                options.orderby = value
            elif key == "$filter":
                options.filter = value
            else:
                raise InvalidInput(f"$expand: 不支持的选项 {pair} (unsupported nested option)", field="$expand")
        found[name] = options
    return found


def _apply(stmt: Select[Any], entity: Entity, options: Options) -> Select[Any]:
    if options.filter:
        stmt = stmt.where(FilterParser(options.filter, entity.properties).parse())
    order: list[Any] = []
    for part in _split(options.orderby or "", ","):
        name, _, direction = part.partition(" ")
        column = entity.properties.get(name.strip())
        direction = direction.strip().lower()
        if column is None or direction not in ("", "asc", "desc"):
            raise InvalidInput(f"$orderby: 无法排序 {part!r} (unknown property or direction)", field="$orderby")
        order.append(column.desc() if direction == "desc" else column.asc())
    order.extend(c.asc() for c in entity.default_order if all(c is not o for o in order))
    return stmt.order_by(*order)


def _collection(
    ctx: Context,
    entity: Entity,
    stmt: Select[Any],
    options: Options,
    path: str,
    render: Callable[[list[Any]], list[dict[str, Any]]],
) -> dict[str, Any]:
    stmt = _apply(stmt, entity, options)
    rows = ctx.repo.run(stmt.offset(options.skip).limit(options.top + 1)) if options.top else []
    body: dict[str, Any] = {}
    if options.count:
        body["@iot.count"] = ctx.repo.count(stmt)
    more = len(rows) > options.top
    body["value"] = render(rows[: options.top])
    if more:
        params = {k: v for k, v in ctx.request.query_params.items() if k not in ("$top", "$skip")}
        params.update({"$top": str(options.top), "$skip": str(options.skip + options.top)})
        body["@iot.nextLink"] = f"{ctx.link(path)}?{urlencode(params)}"
    return body


# rendering with expansions ----------------------------------------------------------------------
def _things(ctx: Context, stations: list[Station], expand: dict[str, Options]) -> list[dict[str, Any]]:
    out = [_thing(ctx, s) for s in stations]
    if "Locations" in expand:
        for item, s in zip(out, stations, strict=True):
            item["Locations"] = [_location(ctx, s)]
    if "Datastreams" in expand:
        streams = ctx.repo.datastreams_of([s.id for s in stations])
        ctx.stations.update({s.id: s for s in stations})
        spans = ctx.repo.time_spans([d.id for d in streams])
        by_station: dict[int, list[dict[str, Any]]] = {}
        for d in streams:
            by_station.setdefault(d.station_id, []).append(_datastream(ctx, d, spans))
        for item, s in zip(out, stations, strict=True):
            item["Datastreams"] = by_station.get(s.id, [])
    return out


def _datastreams(ctx: Context, streams: list[Datastream], expand: dict[str, Options]) -> list[dict[str, Any]]:
    ctx.stations.update(ctx.repo.stations_by_ids(list({d.station_id for d in streams} - ctx.stations.keys())))
    spans = ctx.repo.time_spans([d.id for d in streams])
    out = [_datastream(ctx, d, spans) for d in streams]
    for item, d in zip(out, streams, strict=True):
        if "Thing" in expand:
            item["Thing"] = _thing(ctx, ctx.stations[d.station_id])
        if "Observations" in expand:
            options = expand["Observations"]
            stmt = _apply(
                ctx.repo.visible_observations(ctx.principal.scope_paths, list(ctx.principal.unit_ids)).where(
                    Observation.datastream_id == d.id
                ),
                OBSERVATIONS,
                options,
            )
            rows = ctx.repo.run(stmt.offset(options.skip).limit(options.top))
            item["Observations"] = [_observation(ctx, o) for o in rows]
    return out


def _observations(ctx: Context, rows: list[Observation], expand: dict[str, Options]) -> list[dict[str, Any]]:
    out = [_observation(ctx, o) for o in rows]
    if "Datastream" in expand:
        streams = ctx.repo.datastreams_by_ids(list({o.datastream_id for o in rows}))
        rendered = {d["@iot.id"]: d for d in _datastreams(ctx, list(streams.values()), {})}
        for item, o in zip(out, rows, strict=True):
            item["Datastream"] = rendered[o.datastream_id]
    return out


# routes -----------------------------------------------------------------------------------------
def _context(request: Request, session: SessionDep, user: Principal) -> Context:
    base = str(request.base_url).rstrip("/") + BASE
    return Context(request, SensingRepository(session), user, base)


def _options(top: int | None, skip: int, count: bool, orderby: str | None, filter_: str | None) -> Options:
    return Options(DEFAULT_TOP if top is None else top, skip, count, orderby, filter_)


def _stations(ctx: Context) -> Select[Station]:
    return ctx.repo.visible_stations(ctx.principal.scope_paths, list(ctx.principal.unit_ids))


def _one(ctx: Context, stmt: Select[Any], model: type[Any], entity_id: int) -> Any:
    rows = ctx.repo.run(stmt.where(model.id == entity_id))
    if not rows:
        raise NotFound(NOT_VISIBLE)
    return rows[0]


@router.get("", summary="SensorThings service root (服务根)")
def service_root(request: Request, user: CurrentUser) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + BASE
    return {
        "value": [
            {"name": name, "url": f"{base}/{name}"} for name in ("Things", "Locations", "Datastreams", "Observations")
        ],
        "serverSettings": {
            "conformance": [
                "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
            ]
        },
    }


@router.get("/Things", summary="Things: monitoring stations in your area")
def things(
    request: Request, session: SessionDep, user: CurrentUser, top: Top = None, skip: Skip = 0,
    count: Count = False, orderby: OrderBy = None, filter_: Filter = None, expand: Expand = None,
) -> dict[str, Any]:  # fmt: skip
    ctx = _context(request, session, user)
    wanted = _expand(expand, THINGS)
    options = _options(top, skip, count, orderby, filter_)
    return _collection(ctx, THINGS, _stations(ctx), options, "/Things", lambda rows: _things(ctx, rows, wanted))


@router.get("/Things({thing_id})", summary="One Thing")
def thing(
    request: Request, session: SessionDep, user: CurrentUser, thing_id: Id, expand: Expand = None
) -> dict[str, Any]:
    ctx = _context(request, session, user)
    return _things(ctx, [_one(ctx, _stations(ctx), Station, thing_id)], _expand(expand, THINGS))[0]


@router.get("/Things({thing_id})/Locations", summary="The Location of a Thing")
def thing_locations(request: Request, session: SessionDep, user: CurrentUser, thing_id: Id) -> dict[str, Any]:
    ctx = _context(request, session, user)
    return {"value": [_location(ctx, _one(ctx, _stations(ctx), Station, thing_id))]}


@router.get("/Things({thing_id})/Datastreams", summary="The Datastreams of a Thing")
def thing_datastreams(
    request: Request, session: SessionDep, user: CurrentUser, thing_id: Id, top: Top = None, skip: Skip = 0,
    count: Count = False, orderby: OrderBy = None, filter_: Filter = None, expand: Expand = None,
) -> dict[str, Any]:  # fmt: skip
    ctx = _context(request, session, user)
    station = _one(ctx, _stations(ctx), Station, thing_id)
    ctx.stations[station.id] = station
    wanted = _expand(expand, DATASTREAMS)
    stmt = ctx.repo.visible_datastreams(user.scope_paths, list(user.unit_ids)).where(Datastream.station_id == thing_id)
    options = _options(top, skip, count, orderby, filter_)
    path = f"/Things({thing_id})/Datastreams"
    return _collection(ctx, DATASTREAMS, stmt, options, path, lambda rows: _datastreams(ctx, rows, wanted))


@router.get("/Locations", summary="Locations of the stations in your area")
def locations(
    request: Request, session: SessionDep, user: CurrentUser, top: Top = None, skip: Skip = 0,
    count: Count = False, orderby: OrderBy = None, filter_: Filter = None,
) -> dict[str, Any]:  # fmt: skip
    ctx = _context(request, session, user)
    options = _options(top, skip, count, orderby, filter_)
    render = lambda rows: [_location(ctx, s) for s in rows]  # noqa: E731
    return _collection(ctx, LOCATIONS, _stations(ctx), options, "/Locations", render)


@router.get("/Locations({location_id})", summary="One Location")
def location(request: Request, session: SessionDep, user: CurrentUser, location_id: Id) -> dict[str, Any]:
    ctx = _context(request, session, user)
    return _location(ctx, _one(ctx, _stations(ctx), Station, location_id))


@router.get("/Locations({location_id})/Things", summary="The Thing at a Location")
def location_things(request: Request, session: SessionDep, user: CurrentUser, location_id: Id) -> dict[str, Any]:
    ctx = _context(request, session, user)
    return {"value": [_thing(ctx, _one(ctx, _stations(ctx), Station, location_id))]}


@router.get("/Datastreams", summary="Datastreams of the stations in your area")
def datastreams(
    request: Request, session: SessionDep, user: CurrentUser, top: Top = None, skip: Skip = 0,
    count: Count = False, orderby: OrderBy = None, filter_: Filter = None, expand: Expand = None,
) -> dict[str, Any]:  # fmt: skip
    ctx = _context(request, session, user)
    wanted = _expand(expand, DATASTREAMS)
    stmt = ctx.repo.visible_datastreams(user.scope_paths, list(user.unit_ids))
    options = _options(top, skip, count, orderby, filter_)
    return _collection(ctx, DATASTREAMS, stmt, options, "/Datastreams", lambda rows: _datastreams(ctx, rows, wanted))


@router.get("/Datastreams({datastream_id})", summary="One Datastream")
def datastream(
    request: Request, session: SessionDep, user: CurrentUser, datastream_id: Id, expand: Expand = None
) -> dict[str, Any]:
    ctx = _context(request, session, user)
    stmt = ctx.repo.visible_datastreams(user.scope_paths, list(user.unit_ids))
    return _datastreams(ctx, [_one(ctx, stmt, Datastream, datastream_id)], _expand(expand, DATASTREAMS))[0]


@router.get("/Datastreams({datastream_id})/Thing", summary="The Thing of a Datastream")
def datastream_thing(request: Request, session: SessionDep, user: CurrentUser, datastream_id: Id) -> dict[str, Any]:
    ctx = _context(request, session, user)
    stream = _one(ctx, ctx.repo.visible_datastreams(user.scope_paths, list(user.unit_ids)), Datastream, datastream_id)
    return _thing(ctx, _one(ctx, _stations(ctx), Station, stream.station_id))


@router.get("/Datastreams({datastream_id})/Observations", summary="The Observations of a Datastream")
def datastream_observations(
    request: Request, session: SessionDep, user: CurrentUser, datastream_id: Id, top: Top = None, skip: Skip = 0,
    count: Count = False, orderby: OrderBy = None, filter_: Filter = None, expand: Expand = None,
) -> dict[str, Any]:  # fmt: skip
    ctx = _context(request, session, user)
    _one(ctx, ctx.repo.visible_datastreams(user.scope_paths, list(user.unit_ids)), Datastream, datastream_id)
    wanted = _expand(expand, OBSERVATIONS)
    stmt = ctx.repo.visible_observations(user.scope_paths, list(user.unit_ids)).where(
        Observation.datastream_id == datastream_id
    )
    options = _options(top, skip, count, orderby, filter_)
    path = f"/Datastreams({datastream_id})/Observations"
    return _collection(ctx, OBSERVATIONS, stmt, options, path, lambda rows: _observations(ctx, rows, wanted))


@router.get("/Observations", summary="Observations of the stations in your area")
def observations(
    request: Request, session: SessionDep, user: CurrentUser, top: Top = None, skip: Skip = 0,
    count: Count = False, orderby: OrderBy = None, filter_: Filter = None, expand: Expand = None,
) -> dict[str, Any]:  # fmt: skip
    ctx = _context(request, session, user)
    wanted = _expand(expand, OBSERVATIONS)
    stmt = ctx.repo.visible_observations(user.scope_paths, list(user.unit_ids))
    options = _options(top, skip, count, orderby, filter_)
    return _collection(ctx, OBSERVATIONS, stmt, options, "/Observations", lambda rows: _observations(ctx, rows, wanted))


@router.get("/Observations({observation_id})", summary="One Observation")
def observation(
    request: Request, session: SessionDep, user: CurrentUser, observation_id: Id, expand: Expand = None
) -> dict[str, Any]:
    ctx = _context(request, session, user)
    stmt = ctx.repo.visible_observations(user.scope_paths, list(user.unit_ids))
    return _observations(ctx, [_one(ctx, stmt, Observation, observation_id)], _expand(expand, OBSERVATIONS))[0]


@router.get("/Observations({observation_id})/Datastream", summary="The Datastream of an Observation")
def observation_datastream(
    request: Request, session: SessionDep, user: CurrentUser, observation_id: Id
) -> dict[str, Any]:
    ctx = _context(request, session, user)
    row = _one(ctx, ctx.repo.visible_observations(user.scope_paths, list(user.unit_ids)), Observation, observation_id)
    stream = _one(
        ctx, ctx.repo.visible_datastreams(user.scope_paths, list(user.unit_ids)), Datastream, row.datastream_id
    )
    return _datastreams(ctx, [stream], {})[0]
