"""Schemathesis against /openapi.json: no input, however odd, makes the server answer 5xx.

Bounded so the suite stays fast: a few examples per operation, a fixed seed and ``deterministic`` generation,
SQLite only, the examples, coverage (boundary values) and fuzzing phases, every operation of the document.
Requests carry a county administrator's bearer token so they get past 401; the administrator's person and
token get ids the generator does not produce, so a fuzzed ``PATCH /people/{id}`` or token revocation does
not sign the run out half-way. Integers past 2^63 and the strings that broke parsers before are offered
to every parameter of their type (schemathesis dictionaries).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.bounds import MAX_INT
from gridgov.main import create_app
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from tests.conftest import fresh_engine
from tests.factories import COUNTY, FUCHUN, build_county, create_person, user

FUCHUN_GRID = f"{FUCHUN}001001"

EXAMPLES = 5
UNREACHED = 7_340_000_000_001  # the administrator's ids: far from what the generator offers
EDGE_INTEGERS = [2**63, 2**64, -(2**63) - 1, 2**63 - 1, 2**31, -1, 0]
EDGE_STRINGS = ["0000", "0000-00", "2024-13", "2024-Q0", "9" * 25, "a\u000bb", "=1+1", "-1", "\u0000"]


def _config(headers: dict[str, str]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 20240601,
            "headers": headers,
            "continue-on-failure": True,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "mode": "all",
                "dictionaries": {
                    "integer": {"dictionary": "edge-integers", "probability": 0.3},
                    "string": {"dictionary": "edge-strings", "probability": 0.2},
                },
            },
            "dictionaries": {"edge-integers": {"values": EDGE_INTEGERS}, "edge-strings": {"values": EDGE_STRINGS}},
            "checks": {"enabled": False, "not_a_server_error": {"enabled": True}},
            "phases": {
                "stateful": {"enabled": False},
                **{
                    phase: {"extra-data-sources": {"responses": False}} for phase in ("examples", "coverage", "fuzzing")
                },
            },
        }
    )


def _administrator(database: Database) -> dict[str, str]:
    with database.sessions() as session:
        county = build_county(session)
        for number, (role, node) in enumerate(((Role.grid_member, FUCHUN_GRID), (Role.township_operator, FUCHUN))):
            create_person(session, county, [(role, node)], grids=[FUCHUN_GRID], units=["FC-GDS"], name=f"人员{number}")
        headers = user(session, county, "fuzz-admin", Role.admin, COUNTY)
        admin = session.scalar(text("SELECT max(id) FROM person"))
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        for table in ("role_assignment", "account", "grid_assignment", "unit_membership"):
            session.execute(
                text(f"UPDATE {table} SET person_id = :new WHERE person_id = :old"), {"new": UNREACHED, "old": admin}
            )
        session.execute(text("UPDATE person SET id = :new WHERE id = :old"), {"new": UNREACHED, "old": admin})
        session.execute(text("UPDATE api_token SET id = :new"), {"new": UNREACHED})
        session.commit()
    return headers


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    with fresh_engine("sqlite", directory) as engine:
        upgrade(engine)
        database = Database(engine, sessionmaker(engine, expire_on_commit=False))
        headers = _administrator(database)
        settings = Settings(
            environment="test",
            database_url="sqlite://",
            data_dir=directory,
            auth_cache_seconds=0,
            sweep_seconds=0,
            notify_seconds=0,
            warning_seconds=0,
        )
        app = create_app(settings, database)
        try:
            yield app, headers
        finally:
            shutdown_lifespans()


def test_no_input_makes_a_server_error(fuzzed: tuple[FastAPI, dict[str, str]]) -> None:
    app, headers = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(headers))
    failures: dict[str, list[str]] = {}
    statuses: list[int] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            statuses += [i.response.status_code for i in event.recorder.interactions.values() if i.response]
            if event.status == Status.FAILURE:
                for case_id, checks in event.recorder.checks.items():
                    if any(check.status == Status.FAILURE for check in checks):
                        case = event.recorder.cases[case_id].value
                        failures.setdefault(str(event.label), []).append(case.as_curl_command())
        elif isinstance(event, events.NonFatalError):
            failures.setdefault(str(event.label), []).append(f"{event.phase}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            pytest.fail(f"schemathesis stopped: {event.exception!r}")
    shown = "\n".join(f"{label} ({len(items)}):\n  " + "\n  ".join(items[:3]) for label, items in failures.items())
    assert not failures, f"server errors on {len(failures)} operations:\n{shown}"
    assert len(statuses) > 1000, "the run made too few requests to mean anything"
    assert statuses.count(401) < len(statuses) / 20, "most requests were refused as unauthenticated"
    with TestClient(app) as client:
        assert client.get("/api/v1/me", headers=headers).status_code == 200


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for option in schema.get("anyOf", []):  # X | None
        if option.get("type") != "null":
            return _resolve(document, option)
    return schema


def _text_fields(
    document: dict[str, Any], schema: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Paths of the free string properties of a body schema (nested objects and lists of them too)."""
    for name, raw in _resolve(document, schema).get("properties", {}).items():
        prop = _resolve(document, raw)
        if prop.get("type") == "string" and "enum" not in prop and "format" not in prop and "const" not in prop:
            yield (*prefix, name)
        elif prop.get("type") == "object" or "properties" in prop:
            yield from _text_fields(document, prop, (*prefix, name))
        elif prop.get("type") == "array":
            items = _resolve(document, prop.get("items", {}))
            if items.get("type") == "string" and "enum" not in items:
                yield (*prefix, name, "0")
            elif "properties" in items:
                yield from _text_fields(document, items, (*prefix, name, "0"))


def _body(path: tuple[str, ...], value: str) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    return [_body(rest, value)] if head == "0" else {head: _body(rest, value)}


def test_every_text_field_of_a_request_body_refuses_control_characters(
    fuzzed: tuple[FastAPI, dict[str, str]],
) -> None:
    """Sends each JSON body's string fields, one at a time, holding U+000B: each must be the field refused."""
    app, headers = fuzzed
    document = app.openapi()
    accepted: list[str] = []
    checked = 0
    with TestClient(app) as client:
        for path, item in document["paths"].items():
            for method, operation in item.items():
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" not in content or "$defs" in content["application/json"]["schema"]:
                    continue  # multipart forms, and bodies parsed by hand (readings: refused one by one)
                url = re.sub(r"\{[^}]+\}", "1", path)
                for field in _text_fields(document, content["application/json"]["schema"]):
                    checked += 1
                    answer = client.request(method, url, json=_body(field, "a\x0bb"), headers=headers)
                    locs = [tuple(str(p) for p in d.get("loc", ())) for d in answer.json().get("detail", [])]
                    if answer.status_code != 422 or ("body", *field) not in locs:
                        accepted.append(f"{method.upper()} {path} {'.'.join(field)}: {answer.status_code} {locs}")
    assert checked > 20
    assert accepted == [], "\n".join(accepted)


def test_every_api_operation_declares_its_error_answers(fuzzed: tuple[FastAPI, dict[str, str]]) -> None:
    document = fuzzed[0].openapi()
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if not {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    ]
    assert missing == []


def test_every_integer_parameter_fits_a_database_integer(fuzzed: tuple[FastAPI, dict[str, str]]) -> None:
    document = fuzzed[0].openapi()
    unbounded = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if _resolve(document, parameter["schema"]).get("type") == "integer"
        and _resolve(document, parameter["schema"]).get("maximum", 2**64) > MAX_INT
    ]
    assert unbounded == [], "\n".join(unbounded)
