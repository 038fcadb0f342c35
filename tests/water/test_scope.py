"""Scope of the water module's plan, bill and letter routes: a township operator of 富春 reaches nothing of a 万市
intake user's. ``CHECKS`` counts in the route-enumeration test (tests/auth/test_scope.py); the module's other
routes are checked there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.db import Database
from gridgov.org.enums import Role
from gridgov.water.models import Letter, Plan
from gridgov.water.tasks import monthly_pass
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user
from tests.water.factories import PERIOD, WANSHI_A, add_user

W = "/api/v1/water"


@dataclass
class World:
    client: TestClient
    headers: dict[str, str]
    user_id: int
    credit_code: str
    letter_id: int

    def call(self, method: str, url: str, **kwargs: object) -> Response:
        return self.client.request(method, url, headers=self.headers, **kwargs)  # type: ignore[arg-type]


def _denied(response: Response) -> None:
    assert response.status_code in (403, 404), f"{response.status_code}: {response.text[:300]}"


def _none(w: World) -> Callable[[Response], None]:
    def check(response: Response) -> None:
        assert response.status_code == 200, response.text[:300]
        assert WANSHI not in response.text and "万市" not in response.text and w.credit_code not in response.text
        assert response.json() == []

    return check


def _rejected(w: World, response: Response) -> None:
    assert response.status_code == 422, response.text[:300]
    errors = response.json()["detail"][0]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "A")]


CHECKS: dict[tuple[str, str], list[Callable[[World], None]]] = {
    ("GET", f"{W}/plans"): [lambda w: _none(w)(w.call("GET", f"{W}/plans", params={"year": 2026}))],
    ("PUT", f"{W}/plans/{{user_id}}/{{year}}/{{month}}"): [
        lambda w: _denied(w.call("PUT", f"{W}/plans/{w.user_id}/2026/11", json={"planned_m3": "1"}))
    ],
    ("POST", f"{W}/plans/import"): [
        lambda w: _rejected(
            w,
            w.call(
                "POST",
                f"{W}/plans/import",
                files={"file": ("p.csv", f"统一社会信用代码,年,月,计划水量(m³)\n{w.credit_code},2026,11,1\n".encode())},
            ),
        )
    ],
    ("GET", f"{W}/plans/export"): [
        lambda w: _no_rows(w, w.call("GET", f"{W}/plans/export", params={"format": "csv"})),
    ],
    ("GET", f"{W}/bills"): [lambda w: _none(w)(w.call("GET", f"{W}/bills", params={"period": PERIOD.key}))],
    ("GET", f"{W}/letters"): [lambda w: _none(w)(w.call("GET", f"{W}/letters", params={"period": PERIOD.key}))],
    ("GET", f"{W}/letters/{{letter_id}}/pdf"): [lambda w: _denied(w.call("GET", f"{W}/letters/{w.letter_id}/pdf"))],
}


def _no_rows(w: World, response: Response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert w.credit_code not in response.text and len(response.text.strip().splitlines()) == 1


@pytest.fixture
def world(wclient: TestClient, wsession: Session, wdb: Database) -> World:
    county = build_county(wsession)
    wanshi = add_user(wsession, 9, WANSHI_A)
    wanshi.name = "万市纺织有限公司"
    wsession.add(Plan(user_id=wanshi.id, year=PERIOD.year, month=PERIOD.index, planned_m3=1000))
    headers = user(wsession, county, "fuchun", Role.township_operator, FUCHUN)
    admin = user(wsession, county, "admin", Role.admin, COUNTY)
    wsession.commit()
    assert monthly_pass(wdb, datetime(2026, 12, 3, tzinfo=UTC)).bills == 1
    letter = wsession.scalars(select(Letter.id).where(Letter.user_id == wanshi.id)).one()
    assert wclient.get(f"{W}/letters/{letter}/pdf", headers=admin).status_code == 200  # it is there to be denied
    return World(wclient, headers, wanshi.id, wanshi.credit_code, letter)


@pytest.mark.parametrize("route", sorted(CHECKS), ids=lambda r: f"{r[0]} {r[1]}")
def test_no_route_reaches_out_of_scope(world: World, route: tuple[str, str]) -> None:
    for check in CHECKS[route]:
        check(world)
    plan = world.call("GET", f"{W}/plans", params={"year": 2026})
    assert plan.json() == []
