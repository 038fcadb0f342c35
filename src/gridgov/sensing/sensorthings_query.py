"""The SensorThings 1.1 query language (OData 4 subset of OGC 18-088 §9.3): a lark grammar → plain trees.

``$filter`` and ``$orderby`` expressions, ``$expand`` (nested options and path form) and ``$select`` are parsed
here into small frozen dataclasses, without I/O; :mod:`gridgov.sensing.sensorthings_sql` turns them into SQL
with bound parameters. Anything the grammar does not accept is a :class:`QueryError` naming the option.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, VisitError

from gridgov.errors import AppError

MAX_TOP = 1000
"""The server's largest page; a bigger ``$top`` is answered page by page with ``@iot.nextLink``."""
DEFAULT_TOP = 100

GRAMMAR = r"""
?filter: expr
orderby: order_item ("," order_item)*
order_item: expr DIRECTION?
select: path ("," path)*
expand: expand_item ("," expand_item)*
expand_item: path ("(" options ")")?
options: option (";" option)*
?option: "$filter" "=" expr -> opt_filter
       | "$orderby" "=" order_item ("," order_item)* -> opt_orderby
       | "$select" "=" path ("," path)* -> opt_select
       | "$expand" "=" expand_item ("," expand_item)* -> opt_expand
       | "$top" "=" INT -> opt_top
       | "$skip" "=" INT -> opt_skip
       | "$count" "=" BOOL -> opt_count

?expr: or_expr
?or_expr: and_expr ("or"i and_expr)*
?and_expr: not_expr ("and"i not_expr)*
?not_expr: "not"i not_expr -> not_
         | compare
?compare: sum (COMPARE sum)?
?sum: product (ADDOP product)*
?product: unary (MULOP unary)*
?unary: "-" unary -> negate
      | primary
?primary: literal
        | call
        | path
        | "(" expr ")"
call: NAME "(" [expr ("," expr)*] ")"
path: NAME ("/" NAME)*
literal: STRING -> string
       | DATETIME -> datetime
       | DATE -> date
       | TIME -> time
       | NUMBER -> number
       | BOOL -> boolean
       | "null"i -> null
       | GEO -> geography
       | DURATION -> duration

COMPARE.2: /(eq|ne|gt|ge|lt|le)\b/i
ADDOP.2: /(add|sub)\b/i
MULOP.2: /(mul|div|mod)\b/i
DIRECTION.2: /(asc|desc)\b/i
BOOL.2: /(true|false)\b/i
STRING: /'(?:[^']|'')*'/
DATETIME.3: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/
DATE.3: /\d{4}-\d{2}-\d{2}(?![\dT:])/
TIME.3: /\d{2}:\d{2}:\d{2}(\.\d+)?(?![\d:])/
NUMBER: /\d+(\.\d+)?([eE][+-]?\d+)?/
GEO.3: /(geography|geometry)'[^']*'/i
DURATION.3: /duration'[^']*'/i
INT: /\d+/
NAME: /[A-Za-z_@][A-Za-z0-9_@.]*/
%import common.WS
%ignore WS
"""

_PARSER = Lark(GRAMMAR, parser="lalr", start=["filter", "orderby", "select", "expand"], maybe_placeholders=False)


class QueryError(AppError):
    """A query option the server cannot answer: HTTP 400 (OGC 18-088 §9.3 and the OData error rules)."""

    status_code = 400


# trees ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Literal:
    kind: str
    """string, number, boolean, null, datetime, date, time, geography, duration"""
    value: Any


@dataclass(frozen=True)
class Path:
    segments: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Binary:
    op: str
    """eq ne gt ge lt le and or add sub mul div mod"""
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Negate:
    operand: Node


Node = Literal | Path | Call | Binary | Not | Negate


@dataclass(frozen=True)
class Order:
    expr: Node
    descending: bool = False


@dataclass
class Options:
    """The query options of one level: the request's own, or those nested in an ``$expand`` item."""

    top: int | None = None
    skip: int = 0
    count: bool = False
    filter: Node | None = None
    orderby: tuple[Order, ...] = ()
    select: tuple[Path, ...] | None = None
    expand: dict[str, Options] = field(default_factory=dict)

    @property
    def page(self) -> int:
        """The rows to fetch: ``$top`` capped by the server maximum."""
        return min(DEFAULT_TOP if self.top is None else self.top, MAX_TOP)


def _bin(op: str | None) -> Any:
    def method(_self: Any, items: list[Any]) -> Node:
        return _fold(items, op)

    return method


def _fold(items: list[Any], op: str | None) -> Node:
    node: Node = items[0]
    index = 1
    while index < len(items):
        if isinstance(items[index], Token):
            node = Binary(str(items[index]).lower(), node, items[index + 1])
            index += 2
        else:
            node = Binary(op or "", node, items[index])
            index += 1
    return node


class _Build(Transformer[Token, Any]):
    """Parse tree → the dataclasses above (``@v_args(inline=True)`` where arity is fixed)."""

    or_expr = _bin("or")
    and_expr = _bin("and")
    compare = _bin(None)
    sum = _bin(None)
    product = _bin(None)

    @v_args(inline=True)
    def not_(self, operand: Node) -> Node:
        return Not(operand)

    @v_args(inline=True)
    def negate(self, operand: Node) -> Node:
        if isinstance(operand, Literal) and operand.kind == "number":
            return Literal("number", -operand.value)
        return Negate(operand)

    def call(self, items: list[Any]) -> Node:
        return Call(str(items[0]).lower(), tuple(items[1:]))

    def path(self, items: list[Token]) -> Path:
        return Path(tuple(str(t) for t in items))

    @v_args(inline=True)
    def string(self, token: Token) -> Literal:
        return Literal("string", str(token)[1:-1].replace("''", "'"))

    @v_args(inline=True)
    def number(self, token: Token) -> Literal:
        text = str(token)
        return Literal("number", float(text) if any(c in text for c in ".eE") else int(text))

    @v_args(inline=True)
    def boolean(self, token: Token) -> Literal:
        return Literal("boolean", str(token).lower() == "true")

    def null(self, _items: list[Any]) -> Literal:
        return Literal("null", None)

    @v_args(inline=True)
    def datetime(self, token: Token) -> Literal:
        text = str(token)
        return Literal("datetime", datetime.fromisoformat(text.replace("Z", "+00:00")))

    @v_args(inline=True)
    def date(self, token: Token) -> Literal:
        return Literal("date", datetime.fromisoformat(str(token)).date())

    @v_args(inline=True)
    def time(self, token: Token) -> Literal:
        return Literal("time", str(token))

    @v_args(inline=True)
    def geography(self, token: Token) -> Literal:
        text = str(token)
        return Literal("geography", text[text.index("'") + 1 : -1])

    @v_args(inline=True)
    def duration(self, token: Token) -> Literal:
        text = str(token)
        return Literal("duration", text[text.index("'") + 1 : -1])

    def order_item(self, items: list[Any]) -> Order:
        return Order(items[0], len(items) > 1 and str(items[1]).lower() == "desc")

    def orderby(self, items: list[Order]) -> tuple[Order, ...]:
        return tuple(items)

    def select(self, items: list[Path]) -> tuple[Path, ...]:
        return tuple(items)

    def expand_item(self, items: list[Any]) -> tuple[Path, Options]:
        return items[0], items[1] if len(items) > 1 else Options()

    def expand(self, items: list[tuple[Path, Options]]) -> dict[str, Options]:
        return _merge_expansions(items)

    def options(self, items: list[tuple[str, Any]]) -> Options:
        options = Options()
        seen: set[str] = set()
        for key, value in items:
            if key in seen:
                raise QueryError(f"$expand: 选项 ${key} 重复 (option ${key} given twice)", field="$expand")
            seen.add(key)
            setattr(options, key, value)
        return options

    @v_args(inline=True)
    def opt_filter(self, expr: Node) -> tuple[str, Any]:
        return "filter", expr

    def opt_orderby(self, items: list[Order]) -> tuple[str, Any]:
        return "orderby", tuple(items)

    def opt_select(self, items: list[Path]) -> tuple[str, Any]:
        return "select", tuple(items)

    def opt_expand(self, items: list[tuple[Path, Options]]) -> tuple[str, Any]:
        return "expand", _merge_expansions(items)

    @v_args(inline=True)
    def opt_top(self, token: Token) -> tuple[str, Any]:
        return "top", int(token)

    @v_args(inline=True)
    def opt_skip(self, token: Token) -> tuple[str, Any]:
        return "skip", int(token)

    @v_args(inline=True)
    def opt_count(self, token: Token) -> tuple[str, Any]:
        return "count", str(token).lower() == "true"


def _merge_expansions(items: list[tuple[Path, Options]]) -> dict[str, Options]:
    """``Datastreams/Thing`` is ``Datastreams($expand=Thing)``; two items on one navigation merge."""
    found: dict[str, Options] = {}
    for path, options in items:
        head, *rest = path.segments
        target = found.setdefault(head, Options())
        if rest:
            deeper = _merge_expansions([(Path(tuple(rest)), options)])
            for name, nested in deeper.items():
                target.expand[name] = _combine(target.expand.get(name), nested)
        else:
            found[head] = _combine(target, options)
    return found


def _combine(old: Options | None, new: Options) -> Options:
    if old is None:
        return new
    merged = Options(**{**vars(old), **{k: v for k, v in vars(new).items() if v != getattr(Options(), k)}})
    merged.expand = {**old.expand, **new.expand}
    return merged


_BUILD = _Build()


def parse(text: str, start: str, option: str) -> Any:
    """Parse ``text`` as the grammar's ``start`` rule; errors name the query ``option``."""
    try:
        return _BUILD.transform(_PARSER.parse(text, start=start))
    except VisitError as exc:
        if isinstance(exc.orig_exc, QueryError):
            raise exc.orig_exc from None
        raise QueryError(f"{option}: 无法解析 (cannot parse: {exc.orig_exc})", field=option) from None
    except LarkError as exc:
        where = getattr(exc, "column", None)
        near = f" at column {where}" if isinstance(where, int) and where > 0 else ""
        raise QueryError(f"{option}: 无法解析 (cannot parse{near}: {text[:80]!r})", field=option) from None


KNOWN_OPTIONS = ("$top", "$skip", "$count", "$filter", "$orderby", "$select", "$expand")


def _integer(text: str, option: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise QueryError(f"{option}: 应为非负整数 (a non-negative integer is expected, got {text!r})", field=option)
    return int(text)


def request_options(params: list[tuple[str, str]]) -> Options:
    """The options of a request's query string; an unknown or repeated ``$`` option is refused (OData)."""
    options = Options()
    seen: set[str] = set()
    for key, value in params:
        if not key.startswith("$"):
            continue
        if key not in KNOWN_OPTIONS:
            known = " ".join(KNOWN_OPTIONS)
            raise QueryError(f"{key}: 不支持的查询选项 (unsupported query option; supported: {known})", field=key)
        if key in seen:
            raise QueryError(f"{key}: 选项重复 (option given twice)", field=key)
        seen.add(key)
        if key == "$top":
            options.top = _integer(value, key)
        elif key == "$skip":
            options.skip = _integer(value, key)
        elif key == "$count":
            if value.lower() not in ("true", "false"):
                raise QueryError("$count: 应为 true 或 false (true or false is expected)", field=key)
            options.count = value.lower() == "true"
        elif key == "$filter":
            options.filter = parse(value, "filter", key)
        elif key == "$orderby":
            options.orderby = parse(value, "orderby", key)
        elif key == "$select":
            options.select = parse(value, "select", key)
        else:
            options.expand = parse(value, "expand", key)
    return options
