"""Fuzzing the SensorThings query grammar and compiler: any text is a tree or a 400, never another error."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from gridgov.sensing.sensorthings_entities import SETS
from gridgov.sensing.sensorthings_query import Binary, Literal, Path, QueryError, parse
from gridgov.sensing.sensorthings_sql import Compiler

WORDS = [
    "result", "name", "id", "phenomenonTime", "Datastream/Thing/name", "Thing/Locations/location", "eq", "ne",
    "gt", "and", "or", "not", "add", "mod", "(", ")", ",", "'x'", "'a''b'", "1", "2.5", "-3", "null", "true",
    "2026-11-23T05:00:00Z", "2026-11-23", "05:00:00", "geography'POINT(1 2)'", "substringof(", "year(",
    "geo.distance(", "st_within(", "round(", "length(", "concat(", "now()", "location", "/", "desc",
]  # fmt: skip
DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}  # type: ignore[no-untyped-call]
POINTS = [(1, 119.95, 30.02), (2, 120.05, 30.02)]


def _compile(text: str, dialect: str) -> None:
    tree = parse(text, "filter", "$filter")
    for entity in SETS.values():
        alias = aliased(entity.model)
        try:
            condition = Compiler(dialect, lambda: POINTS, datetime(2026, 1, 1, tzinfo=UTC)).condition(
                tree, entity, alias
            )
        except QueryError:
            continue
        condition.compile(dialect=DIALECTS[dialect])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9), st.sampled_from(["sqlite", "postgresql"]))
def test_token_soup_is_a_tree_or_a_400(words: list[str], dialect: str) -> None:
    try:
        _compile(" ".join(words), dialect)
    except QueryError as exc:
        assert exc.status_code == 400 and exc.field == "$filter"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_a_tree_or_a_400(text: str) -> None:
    try:
        parse(text, "filter", "$filter")
    except QueryError as exc:
        assert exc.status_code == 400


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
def test_string_literals_round_trip_as_bound_values(value: str) -> None:
    quoted = "'" + value.replace("'", "''") + "'"
    assert parse(f"name eq {quoted}", "filter", "$filter") == Binary("eq", Path(("name",)), Literal("string", value))
