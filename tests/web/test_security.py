"""The HTTP surface's guard rails (gridgov.web.security): hardening headers on every class of response, request
bodies capped before parsing, Secure cookies over HTTPS."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Scope, Send

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app
from gridgov.org.enums import Role
from gridgov.web.security import SecurityMiddleware, content_security_policy, tile_source
from tests.factories import FUCHUN, PASSWORD, bearer, build_county, create_account, create_person

GRID = "330111001001001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128
HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
MIB = 1024 * 1024


def assert_hardened(response: object, what: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, f"{what}: CSP {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{what}: {csp!r}"
    for name, value in HARDENING.items():
        assert headers.get(name) == value, f"{what}: {name} is {headers.get(name)!r}"


@pytest.fixture
def grid_member(session: Session) -> dict[str, str]:
    county = build_county(session)
    person = create_person(session, county, [(Role.grid_member, GRID)], grids=[GRID], name="网格员")
    headers = bearer(session, create_account(session, person, "gm"))
    session.commit()
    return headers


def test_every_class_of_response_carries_the_headers(app: FastAPI, grid_member: dict[str, str]) -> None:
    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("unhandled")

    case = {"category": "0201", "description": "院内新搭彩钢棚", "lon": 119.92, "lat": 30.02}
    with TestClient(app, raise_server_exceptions=False) as client:
        number = client.post("/api/v1/cases", json=case, headers=grid_member).json()["number"]
        url = f"/api/v1/cases/{number}/attachments"
        photo = client.post(url, files={"file": ("现场.png", PNG)}, headers=grid_member).json()["id"]
        page = {"Accept": "text/html"}
        responses = {
            "page": client.get("/login"),
            "redirect": client.get("/", follow_redirects=False),
            "docs": client.get("/docs"),
            "API JSON": client.get("/api/v1/cases", headers=grid_member),
            "API 401": client.get("/api/v1/cases"),
            "API 404": client.get("/api/v1/cases/NOPE", headers=grid_member),
            "OpenAPI": client.get("/openapi.json"),
            "static file": client.get("/static/js/orgmap.js"),
            "vendored file": client.get("/static/vendor/leaflet/leaflet.css"),
            "static 404": client.get("/static/nope.js"),
            "stored attachment": client.get(f"{url}/{photo}", headers=grid_member),
            "error page": client.get(f"/cases/NOPE-{number}", headers={**grid_member, **page}),
            "unknown path": client.get("/no/such/page", headers=page),
            "413": client.post("/api/v1/cases", content=b"x" * (MIB + 1), headers=grid_member),
            "500": client.get("/boom-for-test"),
            "health": client.get("/healthz"),
        }
    expected = {"page": 200, "redirect": 303, "static 404": 404, "error page": 404, "unknown path": 404}
    expected |= {"API 401": 401, "API 404": 404, "413": 413, "500": 500}
    for what, response in responses.items():
        assert response.status_code == expected.get(what, 200), f"{what}: {response.status_code} {response.text}"
        assert_hardened(response, what)
    assert responses["stored attachment"].content == PNG
    assert responses["stored attachment"].headers["content-type"] == "image/png"
    assert responses["500"].text == "Internal Server Error"


def test_stored_files_are_attachments_with_a_safe_name(app: FastAPI, grid_member: dict[str, str]) -> None:
    """A file name is the uploader's text: it may not end the header value or add a parameter."""
    case = {"category": "0201", "description": "院内新搭彩钢棚", "lon": 119.92, "lat": 30.02}
    with TestClient(app) as client:
        number = client.post("/api/v1/cases", json=case, headers=grid_member).json()["number"]
        url = f"/api/v1/cases/{number}/attachments"
        for name in ('a".html"; filename="x.html', "现场 照片.png", "plain.png"):
            photo = client.post(url, files={"file": (name, PNG)}, headers=grid_member).json()["id"]
            served = client.get(f"{url}/{photo}", headers=grid_member)
            disposition = served.headers["content-disposition"]
            assert disposition.startswith("attachment; filename")
            assert disposition.count('"') in (0, 2) and ";" not in disposition.split("filename", 1)[1], disposition
            assert served.headers["x-content-type-options"] == "nosniff"


def test_the_policy_admits_the_configured_tile_host() -> None:
    assert tile_source("") is None and tile_source("/tiles/{z}/{x}/{y}.png") is None
    assert tile_source("https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}") == "https://*.tianditu.gov.cn"
    assert tile_source("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png") == "http://10.0.0.5:8080"
    assert tile_source("https://{s}.tile.example/{z}/{x}/{y}.png") == "https://*.tile.example"
    assert tile_source("https://tiles.{s}.example/{z}.png") == "https:"
    policy = content_security_policy("https://t{s}.tianditu.gov.cn/{z}/{x}/{y}")
    assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in policy
    assert "default-src 'self'; script-src 'self'; style-src 'self';" in policy
    assert "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'" in policy


def test_tile_host_reaches_the_served_policy(db: Database, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"tile_url": "https://tiles.example.cn/{z}/{x}/{y}.png"}), db)
    with TestClient(app) as client:
        csp = client.get("/login").headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://tiles.example.cn;" in csp


# --- cookies ----------------------------------------------------------------------------------------------------


@pytest.fixture
def operator(session: Session) -> str:
    county = build_county(session)
    create_account(session, create_person(session, county, [(Role.township_operator, FUCHUN)]), "fuchun")
    session.commit()
    return "fuchun"


def _login(client: TestClient, username: str) -> list[str]:
    """Signs in through the form; returns every Set-Cookie header of the login page and of the login."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    done = client.post("/login", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    return page.headers.get_list("set-cookie") + done.headers.get_list("set-cookie")


def test_cookies_are_secure_over_https(app: FastAPI, operator: str) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        cookies = _login(client, operator)
        cookies += client.get("/lang/en", follow_redirects=False).headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("gridgov_session="))
    assert re.search(r"(?i);\s*httponly", session_cookie) and re.search(r"(?i);\s*samesite=lax", session_cookie)
    assert len(cookies) >= 4
    for cookie in cookies:
        assert re.search(r"(?i);\s*secure(;|$)", cookie), cookie
        assert len(re.findall(r"(?i);\s*secure(;|$)", cookie)) == 1, cookie


def test_cookies_over_plain_http_still_work(app: FastAPI, operator: str) -> None:
    """A development server on http://: Secure would make the browser drop the session cookie."""
    with TestClient(app) as client:
        cookies = _login(client, operator)
        assert client.get("/org").status_code == 200
    session_cookie = next(c for c in cookies if c.startswith("gridgov_session="))
    assert not re.search(r"(?i);\s*secure", session_cookie)
    assert re.search(r"(?i);\s*httponly", session_cookie) and re.search(r"(?i);\s*samesite=lax", session_cookie)


def test_https_behind_a_trusted_proxy(db: Database, settings: Settings, operator: str) -> None:
    """X-Forwarded-Proto counts only from GRIDGOV_TRUSTED_PROXIES: cookies turn Secure behind the proxy, and
    /metrics judges the client the proxy names, not the proxy."""
    app = create_app(settings.model_copy(update={"trusted_proxies": "10.9.9.9"}), db)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    with TestClient(app, client=("10.9.9.9", 40000), headers=forwarded) as proxied:
        assert all(re.search(r"(?i);\s*secure", c) for c in proxied.get("/login").headers.get_list("set-cookie"))
        assert proxied.get("/metrics").status_code == 403  # the client is 203.0.113.5
    with TestClient(app, client=("10.9.9.9", 40000), headers={"X-Forwarded-For": "127.0.0.1"}) as local:
        assert local.get("/metrics").status_code == 200  # the proxy forwards a scrape from its own host
    with TestClient(app, client=("198.51.100.7", 40000), headers=forwarded) as direct:
        cookies = direct.get("/login").headers.get_list("set-cookie")
        assert cookies and not any(re.search(r"(?i);\s*secure", c) for c in cookies)  # a claim, not a proxy


# --- request bodies ---------------------------------------------------------------------------------------------


def test_declared_length_over_the_limit_is_refused_unread(client: TestClient) -> None:
    refused = client.post(
        "/login", content=b"u" * (MIB + 1), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert refused.status_code == 413
    assert refused.json()["detail"][0]["msg"] == "请求体超过1 MB (request body larger than 1 MB)"
    # an upload may be larger: 2 MiB of multipart reaches the app (which refuses the login for its own reasons)
    files = {"file": ("big.png", PNG + b"\x00" * 2 * MIB)}
    assert client.post("/login", files=files).status_code != 413
    assert client.post("/login", files={"file": ("huge.png", b"\x00" * 22 * MIB)}).status_code == 413


def test_chunked_body_over_the_limit_is_cut_off(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"u" * 65536  # 4 MiB in all, no Content-Length

    refused = client.post("/login", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 413 and refused.json()["detail"][0]["type"] == "PayloadTooLarge"


def _run(app: SecurityMiddleware, scope: Scope, receive: Receive) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    errors: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(app(scope, receive, send))
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    # in a thread of its own: a browser test's Playwright may hold a running loop in this one
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    if errors:
        raise errors[0]
    return sent


def _scope(headers: list[tuple[bytes, bytes]], path: str = "/api/v1/cases") -> Scope:
    return {"type": "http", "method": "POST", "path": path, "headers": headers, "scheme": "http"}


def test_a_streamed_body_is_read_no_further_than_the_limit(settings: Settings) -> None:
    """200 MB offered in 64 KiB chunks to an app that reads everything: the layer pulls no chunk past the
    limit, answers 413 itself and drops the app's own answer."""
    pulled = [0]
    app_saw: list[str] = []

    async def receive() -> Message:
        pulled[0] += 65536
        return {"type": "http.request", "body": b"x" * 65536, "more_body": pulled[0] < 200 * MIB}

    async def greedy(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            app_saw.append(message["type"])
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"app"})

    sent = _run(SecurityMiddleware(greedy, settings), _scope([(b"content-type", b"application/json")]), receive)
    assert pulled[0] <= settings.max_body_bytes + 65536
    assert app_saw[-1] == "http.disconnect"
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]
    assert b"app" not in b"".join(m.get("body", b"") for m in sent)


def test_a_declared_length_is_refused_before_the_app_runs(settings: Settings) -> None:
    async def receive() -> Message:
        raise AssertionError("the body was read")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app ran")

    headers = [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", b"209715200")]
    sent = _run(SecurityMiddleware(app, settings), _scope(headers, "/api/v1/org/import"), receive)
    start = sent[0]
    assert start["status"] == 413 and (b"connection", b"close") in start["headers"]
    assert (b"x-content-type-options", b"nosniff") in start["headers"]


def test_bulk_routes_take_the_upload_limit(settings: Settings) -> None:
    """GeoJSON boundaries and sensor batches are JSON but large: 5 MB reaches them, not other JSON routes."""
    reached: list[str] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    layer = SecurityMiddleware(app, settings)
    json_5mb = [(b"content-type", b"application/json"), (b"content-length", str(5 * MIB).encode())]
    for path in ("/api/v1/geo/boundaries", "/api/v1/sensing/observations", "/api/v1/org/nodes/330111/boundary"):
        assert _run(layer, _scope(json_5mb, path), receive)[0]["status"] == 200
    assert _run(layer, _scope(json_5mb, "/api/v1/people"), receive)[0]["status"] == 413
    assert reached == ["/api/v1/geo/boundaries", "/api/v1/sensing/observations", "/api/v1/org/nodes/330111/boundary"]
