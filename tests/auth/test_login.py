from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.org.enums import Role
from tests.factories import COUNTY, FUCHUN, PASSWORD, County, build_county, create_account, create_person


@pytest.fixture
def county(session: Session) -> County:
    county = build_county(session)
    person = create_person(session, county, [(Role.township_operator, FUCHUN)], name="富春操作员")
    create_account(session, person, "fuchun")
    session.commit()
    return county


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> tuple[int, str]:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(page.text), "next": "/org"},
        follow_redirects=False,
    )
    return response.status_code, response.text


def test_login_page_is_chinese(client: TestClient, county: County) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text and "登录" in page.text


def test_login_then_pages_then_logout(client: TestClient, county: County) -> None:
    status, _ = login(client, "fuchun", PASSWORD)
    assert status == 303
    page = client.get("/org", follow_redirects=True)
    assert page.status_code == 200 and "富春街道" in page.text and "城西社区" in page.text
    assert client.get(f"/org/{COUNTY}").status_code == 404
    token = _csrf(page.text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/org", follow_redirects=False).headers["location"].startswith("/login")


def test_wrong_password_is_refused_without_saying_which_part(client: TestClient, county: County) -> None:
    for username in ("fuchun", "nobody"):  # back-off after failures: tests/auth/test_throttle.py
        status, text = login(client, username, "wrong-password")
        assert status == 401 and "用户名或密码错误" in text


def test_login_form_without_csrf_is_refused(client: TestClient, county: County) -> None:
    response = client.post("/login", data={"username": "fuchun", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403


def test_cookie_session_needs_csrf_for_api_writes(client: TestClient, county: County) -> None:
    login(client, "fuchun", PASSWORD)
    page = client.get(f"/org/{FUCHUN}")
    payload = {"name": "新名字"}
    assert client.patch(f"/api/v1/org/nodes/{FUCHUN}001", json=payload).status_code == 403
    ok = client.patch(f"/api/v1/org/nodes/{FUCHUN}001", json=payload, headers={"X-CSRF-Token": _csrf(page.text)})
    assert ok.status_code == 200, ok.text


def test_api_without_credentials_is_401(client: TestClient, county: County) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer ggv_nope"}).status_code == 401


def test_token_round_trip(client: TestClient, county: County) -> None:
    login(client, "fuchun", PASSWORD)
    page = client.get(f"/org/{FUCHUN}")
    created = client.post("/api/v1/auth/tokens", json={"name": "etl"}, headers={"X-CSRF-Token": _csrf(page.text)})
    assert created.status_code == 201
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {created.json()['token']}"})
    assert me.json()["scope"] == [FUCHUN] and me.json()["roles"] == ["township_operator"]


def test_english_switch(client: TestClient, county: County) -> None:
    client.get("/lang/en")
    assert "Sign in" in client.get("/login").text
