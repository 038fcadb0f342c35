"""Station management over HTTP: create with datastreams, list, read, change, deactivate, add a datastream;
scoped like every domain, audited, and seen by the ingest path at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditLog
from gridgov.org.enums import Role
from gridgov.sensing.models import DeadLetter
from tests.factories import COUNTY, FUCHUN, WANSHI, County, build_county, user

URL = "/api/v1/sensing/stations"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
FUCHUN_POINT = {"lon": 119.95, "lat": 30.02}
WANSHI_POINT = {"lon": 120.05, "lat": 30.02}


def _station(code: str, point: dict[str, float] = FUCHUN_POINT, **extra: Any) -> dict[str, Any]:
    return {"code": code, "kind": "rain_gauge", "name": f"{code}雨量站", **point, **extra}


def _loc(response: Any) -> list[list[Any]]:
    return [d.get("loc", []) for d in response.json()["detail"]]


@pytest.fixture
def county(session: Session) -> County:
    return build_county(session)


@pytest.fixture
def admin(session: Session, county: County) -> dict[str, str]:
    headers = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    return headers


@pytest.fixture
def fuchun(session: Session, county: County) -> dict[str, str]:
    headers = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()
    return headers


def test_a_station_is_created_with_its_datastreams_read_back_and_audited(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    body = _station(
        "WM-FC-01",
        kind="water_meter",
        owner_unit_code="FC-GDS",
        interval_seconds=900,
        datastreams=[{"property": "flow"}, {"property": "volume", "unit": "m3", "max_value": 1e9}],
    )
    created = client.post(URL, json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{URL}/WM-FC-01"
    station = created.json()
    assert station["area_code"].startswith(FUCHUN) and station["owner_unit_code"] == "FC-GDS"
    assert (station["kind"], station["interval_seconds"], station["active"]) == ("water_meter", 900, True)
    assert [(d["property"], d["unit"]) for d in station["datastreams"]] == [("flow", "m3/h"), ("volume", "m3")]
    assert client.get(f"{URL}/WM-FC-01", headers=admin).json() == station
    actions = {
        (a.entity, a.action, a.actor_name)
        for a in session.scalars(select(AuditLog).where(AuditLog.entity.in_(["sensing_station", "sensing_datastream"])))
    }
    assert actions == {("sensing_station", "create", "admin"), ("sensing_datastream", "create", "admin")}


def test_list_filters_by_kind_and_active_and_pages(client: TestClient, admin: dict[str, str]) -> None:
    for code, kind in (
        ("RG-1", "rain_gauge"),
        ("RG-2", "rain_gauge"),
        ("RG-3", "rain_gauge"),
        ("EM-1", "energy_meter"),
    ):
        assert client.post(URL, json=_station(code, kind=kind), headers=admin).status_code == 201
    assert client.patch(f"{URL}/RG-2", json={"active": False}, headers=admin).status_code == 200

    def codes(**params: Any) -> tuple[list[str], int]:
        page = client.get(URL, params=params, headers=admin).json()
        return [s["code"] for s in page["items"]], page["total"]

    assert codes() == (["EM-1", "RG-1", "RG-2", "RG-3"], 4)
    assert codes(kind="rain_gauge", active=True) == (["RG-1", "RG-3"], 2)
    assert codes(active=False) == (["RG-2"], 1)
    assert codes(limit=2, offset=1) == (["RG-1", "RG-2"], 4)
    assert client.get(URL, params={"kind": "Rain Gauge"}, headers=admin).status_code == 422


def test_bad_input_names_the_field_and_a_taken_code_is_a_conflict(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post(URL, json=_station("RG-1"), headers=admin).status_code == 201
    taken = client.post(URL, json=_station("RG-1"), headers=admin)
    assert taken.status_code == 409 and "RG-1" in taken.text and "station code taken" in taken.text
    assert _loc(taken) == [["body", "code"]]
    outside = client.post(URL, json=_station("RG-X", {"lon": 121.5, "lat": 31.2}), headers=admin)
    assert outside.status_code == 422 and "outside the county" in outside.text
    assert _loc(outside) == [["body", "lon"]]
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        (_station("bad code!"), ["body", "code"]),
        (_station("RG-K", kind="Rain-Gauge"), ["body", "kind"]),
        (_station("RG-I", interval_seconds=0), ["body", "interval_seconds"]),
        (_station("RG-D", datastreams=[{"property": "rainfall"}, {"property": "rainfall"}]), ["body", "datastreams"]),
        (_station("RG-P", datastreams=[{"property": "Rain fall"}]), ["body", "datastreams", "0", "property"]),
        (_station("RG-E", extra="x"), ["body", "extra"]),
    ]
    for body, loc in cases:
        response = client.post(URL, json=body, headers=admin)
        assert response.status_code == 422 and loc in _loc(response), (body, response.text)
    no_unit = client.post(URL, json=_station("RG-U", datastreams=[{"property": "pressure"}]), headers=admin)
    assert no_unit.status_code == 422 and _loc(no_unit) == [["body", "datastreams.0.unit"]]
    unknown_unit = client.post(URL, json=_station("RG-O", owner_unit_code="NOPE"), headers=admin)
    assert unknown_unit.status_code == 422 and _loc(unknown_unit) == [["body", "owner_unit_code"]]
    assert client.get(URL, headers=admin).json()["total"] == 1  # nothing half-created


def test_a_township_operator_manages_only_stations_in_the_township(
    client: TestClient, session: Session, county: County, admin: dict[str, str], fuchun: dict[str, str]
) -> None:
    grid = user(session, county, "grid", Role.grid_member, FUCHUN)
    session.commit()
    assert client.post(URL, json=_station("RG-WS", WANSHI_POINT), headers=admin).status_code == 201
    assert client.post(URL, json=_station("RG-FC"), headers=fuchun).status_code == 201
    assert client.post(URL, json=_station("RG-WS2", WANSHI_POINT), headers=fuchun).status_code == 404
    assert client.get(f"{URL}/RG-WS", headers=fuchun).status_code == 404
    assert client.patch(f"{URL}/RG-WS", json={"name": "改"}, headers=fuchun).status_code == 404
    assert client.post(f"{URL}/RG-WS/datastreams", json={"property": "rainfall"}, headers=fuchun).status_code == 404
    moved = client.patch(f"{URL}/RG-FC", json=WANSHI_POINT, headers=fuchun)  # not into another township
    assert moved.status_code == 404
    assert [s["code"] for s in client.get(URL, headers=fuchun).json()["items"]] == ["RG-FC"]
    assert client.get(URL, headers=grid).status_code == 200  # reading needs org:read only
    refused = client.post(URL, json=_station("RG-G"), headers=grid)
    assert refused.status_code == 403 and "org:write" in refused.text
    other = client.post(URL, json=_station("RG-O", owner_unit_code="WS-GDS"), headers=fuchun)
    assert other.status_code == 422 and _loc(other) == [["body", "owner_unit_code"]]


def test_changes_apply_and_a_datastream_is_added(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post(URL, json=_station("RG-1", owner_unit_code="FC-GDS"), headers=admin).status_code == 201
    changed = client.patch(
        f"{URL}/RG-1",
        json={"name": "新名", "interval_seconds": 600, **WANSHI_POINT, "owner_unit_code": None},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["interval_seconds"], body["owner_unit_code"]) == ("新名", 600, None)
    assert body["area_code"].startswith(WANSHI) and (body["lon"], body["lat"]) == (120.05, 30.02)
    assert client.patch(f"{URL}/RG-1", json={"lon": 119.95}, headers=admin).status_code == 422
    stranded = client.patch(f"{URL}/RG-1", json={"owner_unit_code": "FC-GDS"}, headers=admin)
    assert stranded.status_code == 422 and _loc(stranded) == [["body", "owner_unit_code"]]
    added = client.post(f"{URL}/RG-1/datastreams", json={"property": "rainfall"}, headers=admin)
    assert added.status_code == 201 and (added.json()["property"], added.json()["unit"]) == ("rainfall", "mm")
    again = client.post(f"{URL}/RG-1/datastreams", json={"property": "rainfall"}, headers=admin)
    assert again.status_code == 409 and _loc(again) == [["body", "property"]]
    assert client.patch(f"{URL}/NOPE", json={"active": False}, headers=admin).status_code == 404


def test_ingest_sees_a_new_and_a_deactivated_station_at_once(
    app: FastAPI, client: TestClient, session: Session, county: County, admin: dict[str, str]
) -> None:
    app.state.clock = lambda: NOW
    gateway = user(session, county, "gateway", Role.api_client, COUNTY)
    session.commit()

    def send(minute: int) -> dict[str, Any]:
        item = {"station": "RG-NEW", "property": "rainfall", "time": f"2026-11-23T05:{minute:02d}:00Z", "value": 1}
        response = client.post("/api/v1/sensing/observations", json={"observations": [item]}, headers=gateway)
        assert response.status_code == 202, response.text
        result: dict[str, Any] = response.json()
        return result

    assert send(0)["errors"][0]["kind"] == "unknown_station"
    created = client.post(URL, json=_station("RG-NEW", datastreams=[{"property": "rainfall"}]), headers=admin)
    assert created.status_code == 201
    assert send(1)["accepted"] == 1
    assert client.patch(f"{URL}/RG-NEW", json={"active": False}, headers=admin).status_code == 200
    assert send(2)["errors"][0]["kind"] == "inactive_station"
    assert client.patch(f"{URL}/RG-NEW", json={"active": True}, headers=admin).status_code == 200
    assert send(3)["accepted"] == 1
    kinds = [d.kind for d in session.scalars(select(DeadLetter).order_by(DeadLetter.id))]
    assert kinds == ["unknown_station", "inactive_station"]
