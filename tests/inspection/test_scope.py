"""A township operator (富春街道) reaches nothing of another township (万市镇) through any route of the module.
``CHECKS`` names every route under /api/v1/inspections and /api/v1/rosters; tests/auth/test_scope.py counts it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.inspection.models import DutyAssignment, DutyMember, DutyPost, DutyRoster, DutySwap
from gridgov.org.duty import VILLAGE_DUTY_ROOM
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, WANSHI, bearer, build_county, create_account, create_person, user
from tests.inspection.factories import SHIFTS, add_place

WANSHI_VILLAGE = f"{WANSHI}001"
GOOD = {
    "mixed_use": "no",
    "ebike_indoor": "no",
    "second_exit": "yes",
    "extinguisher": "yes",
    "smoke_alarm": "yes",
    "wiring": "规范",
    "tenants": 3,
}
MONTH = "2026-07"


@dataclass
class World:
    client: TestClient
    headers: dict[str, str]
    place: int
    assignment: int
    swap: int
    person: int

    def call(self, method: str, url: str, **kwargs: Any) -> Response:
        return self.client.request(method, url, headers=self.headers, **kwargs)


def _denied(response: Response) -> None:
    assert response.status_code in (403, 404), f"{response.status_code}: {response.text[:300]}"


def _no_wanshi(response: Response) -> None:
    assert response.status_code in (200, 201), response.text[:300]
    assert WANSHI not in response.text and "万市" not in response.text, response.text[:500]


def _coverage(level: str) -> Callable[[World], None]:
    return lambda w: _no_wanshi(w.call("GET", "/api/v1/inspections/coverage", params={"level": level}))


CHECKS: dict[tuple[str, str], list[Callable[[World], None]]] = {
    ("GET", "/api/v1/inspections/plans"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/inspections/plans"))],
    ("GET", "/api/v1/inspections/due"): [
        lambda w: _no_wanshi(w.call("GET", "/api/v1/inspections/due", params={"person_id": w.person}))
    ],
    ("POST", "/api/v1/inspections/checks"): [
        lambda w: _denied(w.call("POST", "/api/v1/inspections/checks", json={"place_id": w.place, "answers": GOOD}))
    ],
    ("GET", "/api/v1/inspections/places/{place_id}"): [
        lambda w: _denied(w.call("GET", f"/api/v1/inspections/places/{w.place}"))
    ],
    ("GET", "/api/v1/inspections/findings"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/inspections/findings"))],
    ("GET", "/api/v1/inspections/coverage"): [_coverage(level) for level in ("county", "township", "village", "grid")],
    ("GET", "/api/v1/rosters/posts"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/rosters/posts"))],
    ("POST", "/api/v1/rosters"): [
        lambda w: _denied(w.call("POST", "/api/v1/rosters", json={"month": MONTH, "area": WANSHI_VILLAGE}))
    ],
    ("GET", "/api/v1/rosters"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/rosters"))],
    ("GET", "/api/v1/rosters/assignments"): [
        lambda w: _no_wanshi(
            w.call("GET", "/api/v1/rosters/assignments", params={"first": "2026-07-01", "last": "2026-07-31"})
        )
    ],
    ("GET", "/api/v1/rosters/on-duty"): [
        lambda w: _denied(w.call("GET", "/api/v1/rosters/on-duty", params={"area": WANSHI_VILLAGE})),
        lambda w: _no_wanshi(w.call("GET", "/api/v1/rosters/on-duty", params={"at": "2026-07-20T06:00:00Z"})),
    ],
    ("POST", "/api/v1/rosters/swaps"): [
        lambda w: _denied(
            w.call("POST", "/api/v1/rosters/swaps", json={"assignment_id": w.assignment, "to_person_id": w.person})
        )
    ],
    ("POST", "/api/v1/rosters/swaps/{swap_id}/decision"): [
        lambda w: _denied(w.call("POST", f"/api/v1/rosters/swaps/{w.swap}/decision", json={"approve": True}))
    ],
    ("GET", "/api/v1/rosters/swaps"): [lambda w: _no_wanshi(w.call("GET", "/api/v1/rosters/swaps"))],
    ("POST", "/api/v1/rosters/assignments/{assignment_id}/check-in"): [
        lambda w: _denied(
            w.call("POST", f"/api/v1/rosters/assignments/{w.assignment}/check-in", json={"lon": 120.05, "lat": 30.02})
        )
    ],
    ("GET", "/api/v1/rosters/people/{person_id}/calendar.ics"): [
        lambda w: _denied(w.call("GET", f"/api/v1/rosters/people/{w.person}/calendar.ics"))
    ],
}


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    county = build_county(session)
    place = add_place(session, "WS-1", "rental_housing", 120.05, 30.02)
    post = DutyPost(
        code="WS-ZBS",
        name="万市村值班室",
        kind=VILLAGE_DUTY_ROOM,
        path=county[WANSHI_VILLAGE].path,
        serves=[],
        lon=120.05,
        lat=30.02,
        shifts=SHIFTS,
    )
    session.add(post)
    session.flush()
    people = [
        create_person(
            session, county, [(Role.village_cadre, WANSHI_VILLAGE)], name=f"万市人{i}", grids=[f"{WANSHI_VILLAGE}001"]
        )
        for i in range(4)
    ]
    session.add_all(DutyMember(post_id=post.id, person_id=p.id, role="member") for p in people)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    wanshi = bearer(session, create_account(session, people[0], "wanshi0"))
    headers = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()
    roster = DutyRoster(month=MONTH, path=county[WANSHI_VILLAGE].path, status="optimal", reasons=[])
    session.add(roster)
    session.flush()
    start = datetime(2026, 7, 20, 0, 0, tzinfo=UTC)
    first = DutyAssignment(
        roster_id=roster.id,
        post_id=post.id,
        person_id=people[0].id,
        day=start.date(),
        shift_code="day",
        role="member",
        starts_at=start,
        ends_at=start + timedelta(hours=12),
    )
    session.add(first)
    session.commit()
    made = client.post(
        "/api/v1/inspections/checks",
        headers=admin,
        json={"place_id": place.id, "answers": {**GOOD, "mixed_use": "yes"}},
    )
    assert made.status_code == 201, made.text
    swap = client.post(
        "/api/v1/rosters/swaps", headers=wanshi, json={"assignment_id": first.id, "to_person_id": people[1].id}
    )
    assert swap.status_code == 201, swap.text
    assert session.scalar(select(DutySwap.id)) is not None
    return World(client, headers, place.id, first.id, swap.json()["id"], people[1].id)


def test_no_route_reaches_another_township(world: World) -> None:
    """One world for every route (building it takes most of the time)."""
    failures = []
    for route, checks in sorted(CHECKS.items()):
        for check in checks:
            try:
                check(world)
            except AssertionError as exc:
                failures.append(f"{route}: {exc}")
    assert not failures, "\n".join(failures)
