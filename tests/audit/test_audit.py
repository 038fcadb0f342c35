from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditLog
from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, County, build_county, user


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    county: County = build_county(session)
    headers = user(session, county, "admin", Role.admin, COUNTY)
    session.commit()
    return headers


def _last(session: Session, entity: str) -> AuditLog:
    row = session.scalars(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id.desc())).first()
    assert row is not None
    return row


def test_rename_records_who_and_before_after(client: TestClient, session: Session, admin: dict[str, str]) -> None:
    assert client.patch(f"/api/v1/org/nodes/{FUCHUN}", json={"name": "富春街道办"}, headers=admin).status_code == 200
    row = _last(session, "org_node")
    assert (row.action, row.actor_name, row.before, row.after) == (
        "update",
        "admin",
        {"name": "富春街道"},
        {"name": "富春街道办"},
    )
    assert row.scope_path == f"{COUNTY}/{FUCHUN}/"
    assert row.at.tzinfo is not None


@pytest.mark.parametrize(
    ("method", "url", "payload", "entity"),
    [
        (
            "POST",
            "/api/v1/org/nodes",
            {"code": "330111001009", "name": "新村", "kind": "village", "parent_code": FUCHUN},
            "org_node",
        ),
        (
            "POST",
            "/api/v1/org/units",
            {"code": "FC-PA", "name": "平安办", "kind": "office", "node_code": FUCHUN},
            "org_unit",
        ),
        (
            "POST",
            "/api/v1/people",
            {"name": "王五", "phone": "13912345678", "roles": [{"role": "leader", "node_code": FUCHUN}]},
            "person",
        ),
        ("POST", "/api/v1/auth/tokens", {"name": "etl"}, "api_token"),
        (
            "PUT",
            "/api/v1/org/nodes/330111001001001/boundary",
            {"type": "Polygon", "coordinates": [[[119.9, 30.0], [119.95, 30.0], [119.95, 30.05], [119.9, 30.0]]]},
            "org_node",
        ),
    ],
)
def test_every_write_leaves_an_audit_row(
    client: TestClient,
    session: Session,
    admin: dict[str, str],
    method: str,
    url: str,
    payload: dict[str, object],
    entity: str,
) -> None:
    before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
    response = client.request(method, url, json=payload, headers=admin)
    assert response.status_code in (200, 201), response.text
    rows = session.scalars(select(AuditLog).where(AuditLog.id > before)).all()
    assert any(r.entity == entity and r.actor_name == "admin" for r in rows)
    assert all("token_hash" not in (r.after or {}) or r.after["token_hash"] == "***" for r in rows)


def test_failed_write_leaves_no_audit_row(client: TestClient, session: Session, admin: dict[str, str]) -> None:
    before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    response = client.post("/api/v1/org/nodes", json={"code": "1", "name": "x", "kind": "village"}, headers=admin)
    assert response.status_code == 422
    assert session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) == before


def test_audit_log_is_append_only(session: Session, admin: dict[str, str]) -> None:
    row = _last(session, "person")
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("UPDATE audit_log SET actor_name = 'someone else' WHERE id = :id"), {"id": row.id})
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row.id})


def test_audit_api_lists_changes_newest_first(client: TestClient, admin: dict[str, str]) -> None:
    client.patch(f"/api/v1/org/nodes/{FUCHUN}", json={"name": "富春街道办"}, headers=admin)
    body = client.get("/api/v1/audit", params={"entity": "org_node"}, headers=admin).json()
    assert body["items"][0]["after"] == {"name": "富春街道办"}
