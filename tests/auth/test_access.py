"""Ending access: deactivating a person or an account, and revoking tokens, take effect at once in every
process (each checks the session or token row on every request, even with the principal cached)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridgov.auth.models import ApiToken, AuthSession
from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from tests.conftest import fresh_engine
from tests.factories import COUNTY, FUCHUN, PASSWORD, build_county, create_account, create_person, user

ME = "/api/v1/me"


def _login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    form = {"username": username, "password": password, "csrf_token": match.group(1), "next": "/org"}
    return client.post("/login", data=form, follow_redirects=False).status_code


def _cached(settings: Settings) -> Settings:
    """Principals cached for a minute: only the per-request row check can refuse in time."""
    return settings.model_copy(update={"auth_cache_seconds": 60.0})


def test_deactivating_a_person_signs_them_out_everywhere(settings: Settings, db: Database, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    person = create_person(session, county, [(Role.township_operator, FUCHUN)], name="富春操作员")
    account = create_account(session, person, "fuchun")
    token = AuthService(session, settings).create_token(account.id, TokenCreate(name="etl")).token
    session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    app = create_app(_cached(settings), db)
    with TestClient(app) as browser, TestClient(app) as machine:
        assert _login(browser, "fuchun") == 303
        assert browser.get(ME).status_code == 200 and machine.get(ME, headers=bearer).status_code == 200
        # both principals are now cached for a minute in this process
        changed = machine.patch(f"/api/v1/people/{person.id}", json={"active": False}, headers=admin)
        assert changed.status_code == 200 and changed.json()["active"] is False
        assert browser.get(ME).status_code == 401
        assert machine.get(ME, headers=bearer).status_code == 401
        assert browser.get("/org", follow_redirects=False).headers["location"].startswith("/login")
        with TestClient(app) as again:
            assert _login(again, "fuchun") == 401
    assert session.scalar(select(func.count()).where(AuthSession.account_id == account.id)) == 0
    assert session.scalar(select(ApiToken.revoked_at).where(ApiToken.account_id == account.id)) is not None


def test_a_person_reactivated_needs_a_new_token(client: TestClient, settings: Settings, session: Session) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    person = create_person(session, county, [(Role.api_client, COUNTY)], name="网关")
    token = AuthService(session, settings).create_token(create_account(session, person, "gw").id, TokenCreate(name="t"))
    session.commit()
    client.patch(f"/api/v1/people/{person.id}", json={"active": False}, headers=admin)
    assert client.patch(f"/api/v1/people/{person.id}", json={"active": True}, headers=admin).status_code == 200
    assert client.get(ME, headers={"Authorization": f"Bearer {token.token}"}).status_code == 401
    assert _login(client, "gw") == 303  # the password works again


@contextmanager
def _two_processes(backend: str, directory: Path, settings: Settings) -> Iterator[tuple[FastAPI, FastAPI, Database]]:
    """Two app instances, each with its own principal cache and session factory (separate pooled connections,
    real commits), on one freshly migrated database."""
    with fresh_engine(backend, directory) as engine:
        upgrade(engine)
        databases = [Database(engine, sessionmaker(engine, expire_on_commit=False)) for _ in range(2)]
        first, second = (create_app(_cached(settings), d) for d in databases)
        yield first, second, databases[0]


def test_two_processes_one_deactivates_the_other_refuses_at_once(
    backend: str, tmp_path: Path, settings: Settings
) -> None:
    with _two_processes(backend, tmp_path, settings) as (first, second, database):
        with database.session() as session:
            county = build_county(session)
            admin = user(session, county, "admin", Role.admin, COUNTY)
            gateway = user(session, county, "gateway", Role.api_client, COUNTY)
            operator = create_person(session, county, [(Role.township_operator, FUCHUN)], name="操作员")
            create_account(session, operator, "fuchun")
            person_id = operator.id
        with TestClient(first) as one, TestClient(second) as two:
            assert _login(two, "fuchun") == 303
            assert two.get(ME).status_code == 200 and two.get(ME, headers=gateway).status_code == 200
            # the first process deactivates the operator and revokes the gateway's token
            assert one.patch(f"/api/v1/people/{person_id}", json={"active": False}, headers=admin).status_code == 200
            (listed,) = one.get("/api/v1/auth/tokens", params={"username": "gateway"}, headers=admin).json()
            assert one.delete(f"/api/v1/auth/tokens/{listed['id']}", headers=admin).json()["state"] == "revoked"
            # the second still has both principals cached, and refuses both on the next request
            assert two.get(ME).status_code == 401
            assert two.get(ME, headers=gateway).status_code == 401
            assert (
                two.post("/api/v1/sensing/observations", json={"observations": []}, headers=gateway).status_code == 401
            )


def test_tokens_are_listed_and_revoked_by_their_owner_or_an_admin(
    client: TestClient, settings: Settings, session: Session
) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    mine = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    other = user(session, county, "other", Role.township_operator, FUCHUN)
    session.commit()
    listed = client.get("/api/v1/auth/tokens", headers=mine).json()
    assert [(t["username"], t["state"]) for t in listed] == [("fuchun", "active")]
    assert "token" not in listed[0] and len(listed[0]["prefix"]) == 8
    theirs = client.get("/api/v1/auth/tokens", headers=other).json()[0]["id"]
    assert client.get("/api/v1/auth/tokens", params={"username": "other"}, headers=mine).status_code == 403
    assert client.delete(f"/api/v1/auth/tokens/{theirs}", headers=mine).status_code == 404
    assert client.get(ME, headers=other).status_code == 200
    assert client.get("/api/v1/auth/tokens", params={"username": "other"}, headers=admin).json()[0]["id"] == theirs
    revoked = client.delete(f"/api/v1/auth/tokens/{theirs}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get(ME, headers=other).status_code == 401
    # revoking one's own token in use: this request still answers, the next is refused
    own = client.get("/api/v1/auth/tokens", headers=mine).json()[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{own}", headers=mine).json()["state"] == "revoked"
    assert client.get(ME, headers=mine).status_code == 401
    assert client.delete("/api/v1/auth/tokens/999999", headers=admin).status_code == 404


def test_revoked_and_expired_tokens_fail_on_open311_and_gateway_ingest(
    client: TestClient, settings: Settings, session: Session
) -> None:
    county = build_county(session)
    admin = user(session, county, "admin", Role.admin, COUNTY)
    account = create_account(session, create_person(session, county, [(Role.api_client, COUNTY)], name="网关"), "gw")
    service = AuthService(session, settings)
    revoked, expired = (service.create_token(account.id, TokenCreate(name=n)) for n in ("revoked", "expired"))
    session.commit()

    def attempts(token: str) -> tuple[int, int, int]:
        bearer = {"Authorization": f"Bearer {token}"}
        form = {"api_key": token, "service_code": "0401", "lat": "30.02", "long": "119.95", "description": "垃圾"}
        return (
            client.get(ME, headers=bearer).status_code,
            client.post("/api/v1/sensing/observations", json={"observations": []}, headers=bearer).status_code,
            client.post("/open311/v2/requests.json", data=form).status_code,
        )

    assert attempts(revoked.token) == attempts(expired.token) == (200, 202, 200)
    client.delete(f"/api/v1/auth/tokens/{revoked.id}", headers=admin)
    row = session.get_one(ApiToken, expired.id)
    row.expires_at = row.created_at
    session.commit()
    assert attempts(revoked.token) == attempts(expired.token) == (401, 401, 403)
