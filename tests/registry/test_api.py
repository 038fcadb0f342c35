"""The registry's API through HTTP: validation names the field, scope holds, phones are masked, writes audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditLog
from gridgov.org.enums import Role
from gridgov.registry.credit_code import generate
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user

FUCHUN_POINT = {"lon": 119.95, "lat": 30.02}
WANSHI_POINT = {"lon": 120.05, "lat": 30.02}


def enterprise(serial: int, name: str, **extra: object) -> dict[str, object]:
    return {"credit_code": generate("330111", serial), "name": name, "industry_code": "C2614", **extra}


def test_enterprises_through_http(client: TestClient, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    grid = user(session, county, "grid", Role.grid_member, f"{FUCHUN}001001")
    session.commit()

    bad = client.post(
        "/api/v1/enterprises", json=enterprise(1, "甲") | {"credit_code": "91350100M000100Y41"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "credit_code", bad.text
    bad = client.post(
        "/api/v1/enterprises", json=enterprise(1, "甲", industry_code="C99", **FUCHUN_POINT), headers=admin
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "industry_code", bad.text
    bad = client.post("/api/v1/enterprises", json=enterprise(1, "甲", employees=-1, **FUCHUN_POINT), headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "employees", bad.text

    made = client.post(
        "/api/v1/enterprises",
        json=enterprise(1, "富春化工", contact_phone="13812345678", park="富阳经开区", **FUCHUN_POINT),
        headers=admin,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["township_code"] == FUCHUN and body["path"].endswith(f"{FUCHUN}001/{FUCHUN}001001/")
    assert body["contact_phone"] == "13812345678"
    wanshi = client.post("/api/v1/enterprises", json=enterprise(2, "万市纸业", area_code=WANSHI), headers=admin)
    assert wanshi.status_code == 201 and wanshi.json()["township_code"] == WANSHI, wanshi.text
    again = client.post("/api/v1/enterprises", json=enterprise(2, "重复", **FUCHUN_POINT), headers=admin)
    assert again.status_code == 409 and "credit_code" in again.text

    listed = client.get("/api/v1/enterprises", headers=fuchun).json()
    assert listed["total"] == 1 and [e["name"] for e in listed["items"]] == ["富春化工"]
    assert client.get("/api/v1/enterprises", params={"q": "万市"}, headers=admin).json()["total"] == 1
    assert (
        client.get("/api/v1/enterprises", params={"industry": "C26", "park": "富阳经开区"}, headers=admin).json()[
            "total"
        ]
        == 1
    )
    masked = client.get(f"/api/v1/enterprises/{body['id']}", headers=grid).json()
    assert masked["contact_phone"] == "138****5678"
    assert client.get(f"/api/v1/enterprises/{wanshi.json()['id']}", headers=fuchun).status_code == 404
    code = wanshi.json()["credit_code"]
    assert client.get(f"/api/v1/enterprises/by-code/{code}", headers=fuchun).status_code == 404
    assert client.get(f"/api/v1/enterprises/by-code/{code}", headers=admin).json()["name"] == "万市纸业"
    assert (
        client.post("/api/v1/enterprises", json=enterprise(3, "越界", **WANSHI_POINT), headers=fuchun).status_code
        == 404
    )
    assert (
        client.post("/api/v1/enterprises", json=enterprise(3, "无权", **FUCHUN_POINT), headers=grid).status_code == 403
    )

    moved = client.patch(f"/api/v1/enterprises/{body['id']}", json={"employees": 120, "active": False}, headers=fuchun)
    assert moved.status_code == 200 and moved.json()["employees"] == 120 and moved.json()["active"] is False
    assert client.get("/api/v1/enterprises", headers=fuchun).json()["total"] == 0
    out = client.patch(f"/api/v1/enterprises/{body['id']}", json=WANSHI_POINT, headers=fuchun)
    assert out.status_code == 404, out.text
    audited = session.scalars(select(AuditLog).where(AuditLog.entity == "enterprise")).all()
    assert {a.action for a in audited} >= {"create", "update"}


def test_places_through_http(client: TestClient, session: Session) -> None:
    county = build_county(session)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    session.commit()
    place = {"code": "FC-R-1", "type_code": "rental_housing", "name": "城西出租房", **FUCHUN_POINT}
    wrong = client.post("/api/v1/places", json=place | {"attributes": {"rooms": "many"}}, headers=fuchun)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "attributes.rooms"], wrong.text
    unknown = client.post("/api/v1/places", json=place | {"type_code": "castle"}, headers=fuchun)
    assert unknown.status_code == 422 and "type_code" in unknown.text
    made = client.post("/api/v1/places", json=place | {"attributes": {"rooms": "6", "tenants": 11}}, headers=fuchun)
    assert made.status_code == 201, made.text
    assert made.json()["grid_code"] == f"{FUCHUN}001001" and made.json()["attributes"] == {"rooms": 6, "tenants": 11}
    listed = client.get("/api/v1/places", params={"type": "rental_housing"}, headers=fuchun).json()
    assert listed["total"] == 1
    changed = client.patch(f"/api/v1/places/{made.json()['id']}", json={"attributes": {"rooms": 7}}, headers=fuchun)
    assert changed.status_code == 200 and changed.json()["attributes"] == {"rooms": 7}
    far = client.post("/api/v1/places", json=place | {"code": "WS-1", **WANSHI_POINT}, headers=fuchun)
    assert far.status_code == 404
