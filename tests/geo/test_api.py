from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, County, build_county, user


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    county: County = build_county(session)
    headers = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    return headers


def test_point_is_located_to_grid_village_township(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/v1/geo/locate", json={"lon": 119.92, "lat": 30.07}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["township"] == {"code": FUCHUN, "name": "富春街道", "kind": "township"}
    assert body["village"]["name"] == "城西社区"
    assert body["grid"]["code"] == "330111001001002"


def test_point_outside_the_county_is_rejected_clearly(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/v1/geo/locate", json={"lon": 121.5, "lat": 31.2}, headers=admin)
    assert response.status_code == 422
    assert "不在本县" in response.json()["detail"][0]["msg"]


def test_latitude_out_of_range_names_the_field(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/v1/geo/locate", json={"lon": 120.0, "lat": 95}, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "lat"


def test_batch_reports_each_point(client: TestClient, admin: dict[str, str]) -> None:
    points = [[119.92, 30.07], [120.05, 30.02], [0.0, 0.0], [119.93, 30.08]]
    body = client.post("/api/v1/geo/locate/batch", json={"points": points}, headers=admin).json()
    assert body["codes"] == ["330111001001002", "330111100001001", None, "330111001001002"]
    assert (body["located"], body["outside"], body["out_of_scope"]) == (3, 1, 0)
    assert set(body["areas"]) == {"330111001001002", "330111100001001"}
    assert body["areas"]["330111100001001"]["township"]["name"] == "万市镇"


def test_new_boundary_takes_effect_at_once(client: TestClient, admin: dict[str, str]) -> None:
    # shrink grid 001 of 城西社区 to its west half: the east half falls back to the village
    square = {
        "type": "Polygon",
        "coordinates": [[[119.9, 30.0], [119.925, 30.0], [119.925, 30.05], [119.9, 30.05], [119.9, 30.0]]],
    }
    assert client.put("/api/v1/org/nodes/330111001001001/boundary", json=square, headers=admin).status_code == 200
    body = client.post("/api/v1/geo/locate", json={"lon": 119.94, "lat": 30.02}, headers=admin).json()
    assert body["village"]["code"] == "330111001001" and body["grid"] is None


def test_boundary_must_be_a_polygon(client: TestClient, admin: dict[str, str]) -> None:
    response = client.put(
        "/api/v1/org/nodes/330111001001001/boundary", json={"type": "Point", "coordinates": [120, 30]}, headers=admin
    )
    assert response.status_code == 422 and "Polygon" in response.text


def test_boundaries_feature_collection(client: TestClient, admin: dict[str, str]) -> None:
    body = client.get("/api/v1/geo/boundaries", params={"parent": COUNTY, "kind": "township"}, headers=admin).json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in body["features"]] == ["富春街道", "万市镇"]
