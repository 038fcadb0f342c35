from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, WANSHI, County, build_county, create_person, user


@pytest.fixture
def county(session: Session) -> County:
    county = build_county(session)
    session.commit()
    return county


class TestNodes:
    def test_admin_lists_townships_with_child_counts(
        self, client: TestClient, session: Session, county: County
    ) -> None:
        headers = user(session, county, "admin", Role.admin, COUNTY)
        session.commit()
        response = client.get("/api/v1/org/nodes", params={"parent": COUNTY}, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert [(n["code"], n["name"], n["children_count"]) for n in body["items"]] == [
            (FUCHUN, "富春街道", 2),
            (WANSHI, "万市镇", 1),
        ]
        assert body["total"] == 2

    def test_township_operator_sees_only_own_subtree(
        self, client: TestClient, session: Session, county: County
    ) -> None:
        headers = user(session, county, "op", Role.township_operator, FUCHUN)
        session.commit()
        codes = {
            n["code"] for n in client.get("/api/v1/org/nodes", params={"limit": 500}, headers=headers).json()["items"]
        }
        assert FUCHUN in codes and COUNTY not in codes
        assert all(code.startswith(FUCHUN) for code in codes)

    def test_create_village_then_grid(self, client: TestClient, session: Session, county: County) -> None:
        headers = user(session, county, "op", Role.township_operator, FUCHUN)
        session.commit()
        created = client.post(
            "/api/v1/org/nodes",
            json={"code": "330111001009", "name": "新村", "kind": "village", "parent_code": FUCHUN},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.headers["location"] == "/api/v1/org/nodes/330111001009"
        assert created.json()["path"] == f"{COUNTY}/{FUCHUN}/330111001009/"
        grid = client.post(
            "/api/v1/org/nodes",
            json={"code": "330111001009001", "name": "新村第1网格", "kind": "grid", "parent_code": "330111001009"},
            headers=headers,
        )
        assert grid.status_code == 201

    @pytest.mark.parametrize(
        ("payload", "field", "status"),
        [
            ({"code": "330111001009", "name": "新村", "kind": "grid", "parent_code": FUCHUN}, "parent_code", 422),
            ({"code": "999", "name": "新村", "kind": "village", "parent_code": FUCHUN}, "code", 422),
            ({"code": "330111001001", "name": "重复", "kind": "village", "parent_code": FUCHUN}, "code", 409),
            ({"code": "330111001009", "name": "", "kind": "village", "parent_code": FUCHUN}, "name", 422),
            ({"code": "330111001009", "name": "新村", "kind": "hamlet", "parent_code": FUCHUN}, "kind", 422),
        ],
    )
    def test_bad_node_names_the_field(
        self, client: TestClient, session: Session, county: County, payload: dict[str, str], field: str, status: int
    ) -> None:
        headers = user(session, county, "admin", Role.admin, COUNTY)
        session.commit()
        response = client.post("/api/v1/org/nodes", json=payload, headers=headers)
        assert response.status_code == status, response.text
        detail = response.json()["detail"][0]
        assert field in (detail.get("field") or ".".join(map(str, detail.get("loc", []))))


class TestPeople:
    def test_phone_and_id_masked_for_grid_member(self, client: TestClient, session: Session, county: County) -> None:
        other = create_person(session, county, [(Role.grid_member, "330111001001001")], name="张三")
        headers = user(session, county, "gm", Role.grid_member, "330111001001001", grids=["330111001001001"])
        session.commit()
        response = client.get(f"/api/v1/people/{other.id}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["phone"] == other.phone[:3] + "****" + other.phone[-4:]
        assert body["id_number"] == "330***********1234"

    def test_phone_in_full_for_township_operator(self, client: TestClient, session: Session, county: County) -> None:
        other = create_person(session, county, [(Role.village_cadre, "330111001001")], name="张三")
        headers = user(session, county, "op", Role.township_operator, FUCHUN)
        session.commit()
        body = client.get(f"/api/v1/people/{other.id}", headers=headers).json()
        assert body["phone"] == other.phone and body["id_number"] == "330111199001011234"

    def test_register_person_with_roles_and_grids(self, client: TestClient, session: Session, county: County) -> None:
        headers = user(session, county, "op", Role.township_operator, FUCHUN)
        session.commit()
        response = client.post(
            "/api/v1/people",
            json={
                "name": "李四",
                "phone": "13900000001",
                "roles": [{"role": "grid_member", "node_code": "330111001001001", "level": 4}],
                "grid_codes": ["330111001001001", "330111001001002"],
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["grid_codes"] == ["330111001001001", "330111001001002"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"phone": "12345"}, "phone"),
            ({"id_number": "33011119900101"}, "id_number"),
            ({"grid_codes": ["330111001001"]}, "grid_codes.0"),
            ({"roles": [{"role": "grid_member", "node_code": "nope00"}]}, "roles.0.node_code"),
            ({"roles": [{"role": "wizard", "node_code": FUCHUN}]}, "roles.0.role"),
        ],
    )
    def test_bad_person_names_the_field(
        self, client: TestClient, session: Session, county: County, change: dict[str, object], field: str
    ) -> None:
        headers = user(session, county, "op", Role.township_operator, FUCHUN)
        session.commit()
        payload = {"name": "李四", "phone": "13900000001", "roles": [{"role": "grid_member", "node_code": FUCHUN}]}
        response = client.post("/api/v1/people", json={**payload, **change}, headers=headers)
        assert response.status_code == 422, response.text
        detail = response.json()["detail"][0]
        assert (detail.get("field") or ".".join(map(str, detail.get("loc", [])[1:]))) == field

    def test_only_admin_grants_admin(self, client: TestClient, session: Session, county: County) -> None:
        headers = user(session, county, "op", Role.township_operator, FUCHUN)
        session.commit()
        response = client.post(
            "/api/v1/people",
            json={"name": "王五", "phone": "13900000002", "roles": [{"role": "admin", "node_code": FUCHUN}]},
            headers=headers,
        )
        assert response.status_code == 403
