"""``$filter`` and ``$orderby`` trees → SQLAlchemy expressions with bound parameters (OGC 18-088 §9.3.3.5).

A property path through navigation properties (``Datastream/Thing/name``) joins aliases of the related sets;
the comparison or boolean function holding it becomes ``EXISTS (SELECT … WHERE joins AND comparison)``, so
a to-many path means "any related entity matches". Geospatial functions compare a station's point with a
WKT literal: the stations are few, so shapely decides which match and SQL receives their ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from gridgov.db import UTCDateTime
from gridgov.sensing.sensorthings_entities import SETS, EntitySet
from gridgov.sensing.sensorthings_query import (
    Binary,
    Call,
    Literal,
    Negate,
    Node,
    Not,
    Order,
    Path,
    QueryError,
)

Points = Callable[[], list[tuple[int, float, float]]]
"""(station id, lon, lat) of every station: what geospatial functions test."""
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
ARITHMETIC = ("add", "sub", "mul", "div", "mod")
_SPATIAL = {
    "st_equals": "equals",
    "st_disjoint": "disjoint",
    "st_touches": "touches",
    "st_within": "within",
    "st_overlaps": "overlaps",
    "st_crosses": "crosses",
    "st_intersects": "intersects",
    "st_contains": "contains",
    "geo.intersects": "intersects",
}
_PARTS = {"year": ("%Y", "year"), "month": ("%m", "month"), "day": ("%d", "day")}
_PARTS |= {"hour": ("%H", "hour"), "minute": ("%M", "minute")}
MIN_TIME = datetime(1, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class Typed:
    sql: Any
    kind: str
    """number, string, boolean, datetime, date, time, null, point, geometry"""
    value: Any = None
    """The Python value of a literal (a shapely geometry for ``geometry``)."""


def _bad(message: str, option: str) -> QueryError:
    return QueryError(f"{option}: {message}", field=option)


class Compiler:
    """Compiles trees against one entity set's alias; ``dialect`` is ``sqlite`` or ``postgresql``."""

    def __init__(self, dialect: str, points: Points, now: datetime) -> None:
        self.dialect = dialect
        self.points = points
        self.now = now
        self.option = "$filter"
        self._point_cache: list[tuple[int, float, float]] | None = None

    # entry points -------------------------------------------------------------------------------
    def condition(self, node: Node, entity: EntitySet, alias: Any, option: str = "$filter") -> ColumnElement[bool]:
        self.option = option
        if isinstance(node, Binary) and node.op in ("and", "or"):
            left = self.condition(node.left, entity, alias, option)
            right = self.condition(node.right, entity, alias, option)
            return and_(left, right) if node.op == "and" else or_(left, right)
        if isinstance(node, Not):
            return not_(self.condition(node.operand, entity, alias, option))
        hops: list[ColumnElement[bool]] = []
        typed = self.value(node, entity, alias, hops)
        if typed.kind != "boolean":
            raise _bad(f"条件须为真假值 (the expression is {typed.kind}, not a condition)", self.option)
        sql = typed.sql if typed.value is None else literal(typed.value, Boolean())
        return exists(select(literal(1)).where(*hops, sql)) if hops else sql

    def order(self, order: Order, entity: EntitySet, alias: Any) -> ColumnElement[Any]:
        self.option = "$orderby"
        hops: list[ColumnElement[bool]] = []
        typed = self.value(order.expr, entity, alias, hops)
        if typed.kind in ("point", "geometry", "null") or typed.sql is None:
            raise _bad(f"不能按此排序 (cannot order by a {typed.kind})", self.option)
        sql = select(typed.sql).where(*hops).limit(1).scalar_subquery() if hops else typed.sql
        return sql.desc() if order.descending else sql.asc()

    # values -------------------------------------------------------------------------------------
    def value(self, node: Node, entity: EntitySet, alias: Any, hops: list[ColumnElement[bool]]) -> Typed:
        if isinstance(node, Literal):
            return self._literal(node)
        if isinstance(node, Path):
            return self._path(node, entity, alias, hops)
        if isinstance(node, Negate):
            inner = self._sql(self._number(self.value(node.operand, entity, alias, hops), "-"))
            return Typed(-inner, "number")
        if isinstance(node, Not) or (isinstance(node, Binary) and node.op in ("and", "or")):
            return Typed(self.condition(node, entity, alias, self.option), "boolean")
        if isinstance(node, Binary):
            left = self.value(node.left, entity, alias, hops)
            right = self.value(node.right, entity, alias, hops)
            if node.op in COMPARISONS:
                return self._compare(node.op, left, right)
            return self._arithmetic(node.op, left, right)
        return self._call(node, entity, alias, hops)

    def _literal(self, node: Literal) -> Typed:
        if node.kind == "geography":
            try:
                text = node.value.split(";", 1)[-1]
                return Typed(None, "geometry", shapely.from_wkt(text))
            except shapely.errors.ShapelyError as exc:
                raise _bad(f"几何格式错误 (bad WKT {node.value!r})", self.option) from exc
        if node.kind == "duration":
            raise _bad("不支持 duration (durations are not supported)", self.option)
        kind = {"string": "string", "number": "number", "boolean": "boolean", "null": "null"}.get(node.kind, node.kind)
        value = node.value.isoformat() if node.kind == "date" else node.value
        return Typed(None, kind, value)

    def _path(self, node: Path, entity: EntitySet, alias: Any, hops: list[ColumnElement[bool]]) -> Typed:
        segments = list(node.segments)
        while len(segments) > 1 and segments[0] in entity.navigation:
            nav = entity.navigation[segments.pop(0)]
            target = SETS[nav.target]
            child = aliased(target.model)
            hops.append(nav.join(alias, child))
            if target.restrict is not None:
                hops.append(target.restrict(child))
            entity, alias = target, child
        name = "/".join(segments)
        prop = entity.properties.get(name)
        if prop is None:
            known = ", ".join([*sorted(entity.properties), *sorted(entity.navigation)])
            raise _bad(f"{entity.name} 没有属性 {name} (unknown property; known: {known})", self.option)
        return Typed(prop.column(alias), prop.kind)

    @staticmethod
    def _sql(typed: Typed) -> Any:
        if typed.sql is not None:
            return typed.sql
        types: dict[str, Any] = {"number": Float() if isinstance(typed.value, float) else Integer()}
        types["boolean"] = Boolean()
        types |= {"datetime": UTCDateTime(), "null": String()}
        return literal(typed.value, types.get(typed.kind, String()))

    def _number(self, typed: Typed, op: str) -> Typed:
        if typed.kind != "number":
            raise _bad(f"{op} 须为数字 ({op} needs numbers, got {typed.kind})", self.option)
        return typed

    def _text(self, typed: Typed, function: str) -> Any:
        if typed.kind != "string":
            raise _bad(f"{function}() 须为文本 ({function} needs text, got {typed.kind})", self.option)
        return self._sql(typed)

    def _time(self, typed: Typed, function: str) -> Any:
        if typed.kind != "datetime":
            raise _bad(f"{function}() 须为时间 ({function} needs a time, got {typed.kind})", self.option)
        return self._sql(typed)

    def _compare(self, op: str, left: Typed, right: Typed) -> Typed:
        if left.kind == "null" or right.kind == "null":
            other = right if left.kind == "null" else left
            if op not in ("eq", "ne"):
                raise _bad("null 只能用 eq 或 ne 比较 (null compares with eq or ne only)", self.option)
            if other.kind == "null":
                return Typed(None, "boolean", op == "eq")
            sql = self._sql(other)
            return Typed(sql.is_(None) if op == "eq" else sql.is_not(None), "boolean")
        left, right = self._coerce(left, right), self._coerce(right, left)
        if left.kind != right.kind or left.kind in ("point", "geometry"):
            raise _bad(f"不能比较 {left.kind} 与 {right.kind} (cannot compare these)", self.option)
        a, b = self._sql(left), self._sql(right)
        sql = {"eq": a == b, "ne": a != b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
        return Typed(sql, "boolean")

    def _coerce(self, typed: Typed, other: Typed) -> Typed:
        """A string literal compared with a time is an ISO time (``'2026-11-23T05:00:00Z'``)."""
        if typed.sql is None and typed.kind == "string" and other.kind == "datetime":
            try:
                value = datetime.fromisoformat(typed.value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise _bad(f"时间格式错误 (bad time {typed.value!r})", self.option) from exc
            return Typed(None, "datetime", value if value.tzinfo else value.replace(tzinfo=UTC))
        if typed.kind == "datetime" and typed.sql is None and typed.value.tzinfo is None:
            return Typed(None, "datetime", typed.value.replace(tzinfo=UTC))
        return typed

    def _arithmetic(self, op: str, left: Typed, right: Typed) -> Typed:
        a, b = self._sql(self._number(left, op)), self._sql(self._number(right, op))
        if op == "mod":
            if self.dialect == "postgresql":
                return Typed(cast(func.mod(cast(a, Numeric), cast(b, Numeric)), Float), "number")
            return Typed(func.mod(a, b), "number")
        sql = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[op]
        return Typed(sql, "number")

    # functions ----------------------------------------------------------------------------------
    def _call(self, node: Call, entity: EntitySet, alias: Any, hops: list[ColumnElement[bool]]) -> Typed:
        args = [self.value(a, entity, alias, hops) for a in node.args]
        arity = _ARITY.get(node.name)
        if arity is None:
            raise _bad(f"未知函数 {node.name} (unknown function)", self.option)
        if len(args) not in arity:
            raise _bad(f"{node.name}() 参数个数不对 (takes {'/'.join(map(str, arity))} arguments)", self.option)
        if node.name in _SPATIAL or node.name == "st_relate":
            return self._spatial(node.name, args)
        if node.name in ("geo.distance", "geo.length"):
            return self._distance(node.name, args)
        if node.name == "round":
            number = self._sql(self._number(args[0], node.name))
            away = case((number >= 0, func.floor(number + 0.5)), else_=-func.floor(0.5 - number))
            return Typed(away, "number")
        if node.name in ("floor", "ceiling"):
            return Typed(getattr(func, node.name)(self._sql(self._number(args[0], node.name))), "number")
        if node.name in ("now", "mindatetime", "maxdatetime"):
            value = {"now": self.now, "mindatetime": MIN_TIME, "maxdatetime": MAX_TIME}[node.name]
            return Typed(None, "datetime", value)
        if node.name in _PARTS or node.name in ("second", "fractionalseconds", "date", "time", "totaloffsetminutes"):
            return self._date_part(node.name, self._time(args[0], node.name))
        if node.name == "substring":
            text = self._text(args[0], node.name)
            start, *length = (self._sql(self._number(a, node.name)) for a in args[1:])
            return Typed(func.substr(text, start + 1, *length), "string")
        return self._string(node.name, [self._text(a, node.name) for a in args])

    def _string(self, name: str, args: list[Any]) -> Typed:
        if name in ("substringof", "contains", "startswith", "endswith"):
            text, part = (args[1], args[0]) if name == "substringof" else (args[0], args[1])
            if name == "startswith":
                return Typed(func.substr(text, 1, func.length(part)) == part, "boolean")
            if name == "endswith":
                start = func.length(text) - func.length(part) + 1
                return Typed(and_(start >= 1, func.substr(text, start) == part), "boolean")
            return Typed(self._position(text, part) > 0, "boolean")
        if name == "length":
            return Typed(func.length(args[0]), "number")
        if name == "indexof":
            return Typed(self._position(args[0], args[1]) - 1, "number")
        if name == "concat":
            return Typed(args[0].concat(args[1]), "string")
        functions = {"tolower": func.lower, "toupper": func.upper, "trim": func.trim}
        return Typed(functions[name](args[0]), "string")

    def _position(self, text: Any, part: Any) -> Any:
        return func.strpos(text, part) if self.dialect == "postgresql" else func.instr(text, part)

    def _date_part(self, name: str, sql: Any) -> Typed:
        if name == "totaloffsetminutes":
            return Typed(None, "number", 0)
        postgres = self.dialect == "postgresql"
        utc = func.timezone("UTC", sql) if postgres else sql
        if name == "date":
            return Typed(func.to_char(utc, "YYYY-MM-DD") if postgres else func.date(sql), "date")
        if name == "time":
            return Typed(func.to_char(utc, "HH24:MI:SS") if postgres else func.time(sql), "time")
        if name in ("second", "fractionalseconds"):
            seconds = extract("second", utc) if postgres else cast(func.strftime("%f", sql), Float)
            value = func.floor(seconds) if name == "second" else seconds - func.floor(seconds)
            return Typed(cast(value, Integer) if name == "second" else value, "number")
        pattern, field = _PARTS[name]
        part = cast(extract(field, utc), Integer) if postgres else cast(func.strftime(pattern, sql), Integer)
        return Typed(part, "number")

    # geospatial ---------------------------------------------------------------------------------
    def _geometry_pair(self, name: str, args: list[Typed]) -> tuple[Typed, BaseGeometry, bool]:
        """(the point property, the literal geometry, whether the property came first)."""
        first, second = args[0], args[1]
        if first.kind == "point" and second.kind == "geometry":
            return first, second.value, True
        if first.kind == "geometry" and second.kind == "point":
            return second, first.value, False
        raise _bad(f"{name}() 须比较一个位置与一个几何字面量 (a location and a geography literal)", self.option)

    def _stations(self) -> list[tuple[int, float, float]]:
        if self._point_cache is None:
            self._point_cache = self.points()
        return self._point_cache

    def _spatial(self, name: str, args: list[Typed]) -> Typed:
        prop, geometry, point_first = self._geometry_pair(name, args)
        relation = _SPATIAL.get(name)
        matches: list[int] = []
        for station_id, lon, lat in self._stations():
            point = shapely.Point(lon, lat)
            a, b = (point, geometry) if point_first else (geometry, point)
            if relation is not None:
                hit = bool(getattr(a, relation)(b))
            else:
                pattern = args[2]
                if pattern.kind != "string" or pattern.sql is not None:
                    raise _bad("st_relate() 的第三个参数须为 DE-9IM 文本 (a DE-9IM pattern)", self.option)
                hit = bool(a.relate_pattern(b, pattern.value))
            if hit:
                matches.append(station_id)
        return Typed(prop.sql.in_(matches) if matches else false(), "boolean")

    def _distance(self, name: str, args: list[Typed]) -> Typed:
        if name == "geo.length":
            if args[0].kind == "point":
                return Typed(None, "number", 0.0)
            if args[0].kind == "geometry":
                return Typed(None, "number", float(args[0].value.length))
            raise _bad("geo.length() 须为几何 (needs a geometry)", self.option)
        prop, geometry, _ = self._geometry_pair(name, args)
        distances = {sid: float(shapely.Point(lon, lat).distance(geometry)) for sid, lon, lat in self._stations()}
        if not distances:
            return Typed(literal(None, Float()), "number")
        return Typed(case(distances, value=prop.sql, else_=literal(None, Float())), "number")


_ARITY: dict[str, tuple[int, ...]] = {
    **dict.fromkeys(("substringof", "contains", "startswith", "endswith", "indexof", "concat"), (2,)),
    **dict.fromkeys(("length", "tolower", "toupper", "trim", "round", "floor", "ceiling"), (1,)),
    "substring": (2, 3),
    **dict.fromkeys((*_PARTS, "second", "fractionalseconds", "date", "time", "totaloffsetminutes"), (1,)),
    **dict.fromkeys(("now", "mindatetime", "maxdatetime"), (0,)),
    **dict.fromkeys((*_SPATIAL, "geo.distance"), (2,)),
    "st_relate": (3,),
    "geo.length": (1,),
}
