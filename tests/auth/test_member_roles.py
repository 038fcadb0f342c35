"""A resident or an enterprise account belongs to a place but governs none: nothing its area holds (cases, their
people) reaches it through any list route; it reports at home and follows its own reports."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from tests.factories import COUNTY, WANSHI, build_county, user

WANSHI_VILLAGE = "330111100001"
WANSHI_POINT = {"lon": 120.05, "lat": 30.02}
FUCHUN_POINT = {"lon": 119.95, "lat": 30.02}


def _list_routes(app: FastAPI) -> list[str]:
    """Every GET under /api/v1 that takes no path parameter: the lists a caller can browse."""
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and route.path.startswith("/api/v1/")
        and "{" not in route.path
    )


@pytest.mark.parametrize(("role", "node"), [(Role.resident, WANSHI_VILLAGE), (Role.enterprise, WANSHI)])
def test_a_member_role_reads_nothing_of_its_area(
    app: FastAPI, client: TestClient, session: Session, role: Role, node: str
) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    member = user(session, county, "member", role, node)
    session.commit()
    reported = client.post(
        "/api/v1/cases", json={"category": "0201", "description": "万市违建举报", **WANSHI_POINT}, headers=admin
    )
    assert reported.status_code == 201, reported.text
    number = reported.json()["number"]

    listed = client.get("/api/v1/cases", headers=member)
    assert listed.status_code == 200 and listed.json()["total"] == 0, listed.text
    assert client.get(f"/api/v1/cases/{number}", headers=member).status_code == 404
    for path in _list_routes(app):
        response = client.get(path, headers=member)
        assert number not in response.text and "万市违建举报" not in response.text, f"{path} shows 万市's case"

    # where it belongs still counts for what it files itself: a report at home, none elsewhere
    home = client.post(
        "/api/v1/cases", json={"category": "0201", "description": "门口违建", **WANSHI_POINT}, headers=member
    )
    away = client.post(
        "/api/v1/cases", json={"category": "0201", "description": "别处违建", **FUCHUN_POINT}, headers=member
    )
    assert home.status_code == 201, home.text
    assert away.status_code == 404, away.text
    # and follows its own report, only that one
    mine = client.get("/api/v1/cases", headers=member).json()
    assert [c["number"] for c in mine["items"]] == [home.json()["number"]]
    assert client.get(f"/api/v1/cases/{home.json()['number']}", headers=member).status_code == 200


def test_the_sms_gateway_relays_replies_but_reads_no_cases(client: TestClient, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    gateway = user(session, county, "sms", Role.sms_gateway, WANSHI)
    session.commit()
    reported = client.post(
        "/api/v1/cases", json={"category": "0201", "description": "万市违建举报", **WANSHI_POINT}, headers=admin
    )
    number = reported.json()["number"]
    listed = client.get("/api/v1/cases", headers=gateway)
    assert listed.status_code == 200 and listed.json()["total"] == 0, listed.text
    assert client.get(f"/api/v1/cases/{number}", headers=gateway).status_code == 404
