"""Login throttling: back-off per (account, address) and per spraying address, never a lock for everyone;
forwarded addresses believed only from configured proxies."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from gridgov.auth.models import LoginAttempt
from gridgov.auth.service import AuthService, backoff_seconds
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.errors import LoginFailed, TooManyRequests
from gridgov.kit.time import utcnow
from gridgov.main import create_app
from gridgov.org.enums import Role
from tests.factories import COUNTY, PASSWORD, build_county, create_account, create_person

CAP = 900.0


@given(st.integers(0, 200), st.integers(1, 20), st.floats(1, 10_000))
def test_backoff_starts_after_the_free_attempts_doubles_and_is_capped(failures: int, free: int, cap: float) -> None:
    wait = backoff_seconds(failures, free=free, cap_seconds=cap)
    assert 0 <= wait <= cap
    assert (wait == 0) == (failures < free)
    assert backoff_seconds(failures + 1, free=free, cap_seconds=cap) >= wait  # never shorter after another failure
    if failures >= free:
        assert wait == min(cap, 2.0 ** (failures - free))


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def accounts(session: Session) -> list[str]:
    county = build_county(session)
    names = ["admin"] + [f"user{i:02d}" for i in range(15)]
    for name in names:
        create_account(session, create_person(session, county, [(Role.admin, COUNTY)], name=name), name)
    session.commit()
    return names


def _attempt(service: AuthService, username: str, password: str, ip: str) -> str:
    """'ok', 'wrong' or 'wait N' (the failed attempt is kept, as the login page does)."""
    try:
        service.login(username, password, ip)
    except LoginFailed:
        service.session.commit()
        return "wrong"
    except TooManyRequests as exc:
        service.session.rollback()
        return f"wait {exc.extra['retry_after']}"
    service.session.commit()
    return "ok"


def test_an_attacker_cannot_lock_the_admin_out(session: Session, settings: Settings, accounts: list[str]) -> None:
    clock = Clock()
    service = AuthService(session, settings, clock)  # login_max_failures = 3
    attacker, office = "203.0.113.9", "198.51.100.7"
    assert [_attempt(service, "admin", "guess", attacker) for _ in range(3)] == ["wrong"] * 3
    assert _attempt(service, "admin", PASSWORD, attacker) == "wait 1"  # even the right password waits
    assert _attempt(service, "admin", PASSWORD, office) == "ok"  # the admin elsewhere is not locked out
    waits = []
    for _ in range(8):  # the attacker keeps guessing, each time as soon as allowed
        waiting = _attempt(service, "admin", "guess", attacker)
        waits.append(int(waiting.split()[1]))
        clock.advance(waits[-1])
        assert _attempt(service, "admin", "guess", attacker) == "wrong"
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128]
    clock.advance(3600 * 24)
    assert _attempt(service, "admin", "guess", attacker) == "wrong"  # after a day the slate is clean
    assert _attempt(service, "admin", PASSWORD, office) == "ok"


def test_the_back_off_is_capped(session: Session, settings: Settings, accounts: list[str]) -> None:
    clock = Clock()
    ip = "203.0.113.9"
    session.add_all(
        LoginAttempt(username="admin", ip=ip, at=clock() - timedelta(seconds=1), success=False) for _ in range(40)
    )
    session.commit()
    service = AuthService(session, settings.model_copy(update={"login_backoff_max_minutes": 15}), clock)
    assert _attempt(service, "admin", PASSWORD, ip) == f"wait {int(CAP) - 1}"


def test_a_success_resets_the_pair(session: Session, settings: Settings, accounts: list[str]) -> None:
    clock = Clock()
    service = AuthService(session, settings, clock)
    for _ in range(2):
        assert _attempt(service, "user00", "typo", "198.51.100.7") == "wrong"
    assert _attempt(service, "user00", PASSWORD, "198.51.100.7") == "ok"
    clock.advance(1)
    assert [_attempt(service, "user00", "typo", "198.51.100.7") for _ in range(3)] == ["wrong"] * 3
    assert _attempt(service, "user00", "typo", "198.51.100.7") == "wait 1"


def test_an_address_spraying_many_accounts_is_slowed(session: Session, settings: Settings, accounts: list[str]) -> None:
    clock = Clock()
    service = AuthService(session, settings, clock)  # 3 × 4 = 12 accounts may fail from one address
    sprayer = "203.0.113.50"
    for name in accounts[1:13]:
        assert _attempt(service, name, "Summer2024!", sprayer) == "wrong"
    assert _attempt(service, accounts[13], "Summer2024!", sprayer) == "wait 1"
    clock.advance(1)
    assert _attempt(service, accounts[13], "Summer2024!", sprayer) == "wrong"
    assert _attempt(service, accounts[14], "Summer2024!", sprayer) == "wait 2"
    assert _attempt(service, accounts[14], PASSWORD, "198.51.100.7") == "ok"  # the owner elsewhere is fine


def _login(client: TestClient, username: str, password: str, headers: dict[str, str] | None = None) -> int:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    form = {"username": username, "password": password, "csrf_token": match.group(1)}
    return client.post("/login", data=form, headers=headers or {}, follow_redirects=False).status_code


def _failed_recently(session: Session, ip: str, count: int = 8) -> None:
    """``count`` failed attempts on admin from ``ip`` just now: the next one waits 2^(count-3) s."""
    session.add_all(LoginAttempt(username="admin", ip=ip, at=utcnow(), success=False) for _ in range(count))
    session.commit()


def test_a_forged_forwarded_for_does_not_escape_the_limit(
    db: Database, session: Session, settings: Settings, accounts: list[str]
) -> None:
    _failed_recently(session, "127.0.0.1")
    app = create_app(settings, db)  # no trusted proxies (the default): not even loopback's headers count
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        assert _login(client, "admin", PASSWORD, {"X-Forwarded-For": "10.9.8.7"}) == 429
        assert _login(client, "admin", PASSWORD, {"Forwarded": "for=10.9.8.7", "X-Real-IP": "10.9.8.7"}) == 429
    with TestClient(app, client=("127.0.0.2", 50000)) as client:
        assert _login(client, "admin", PASSWORD) == 303


def test_a_trusted_proxy_names_the_client(
    db: Database, session: Session, settings: Settings, accounts: list[str]
) -> None:
    _failed_recently(session, "203.0.113.9")
    app = create_app(settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"}), db)
    with TestClient(app, client=("10.0.0.2", 50000)) as proxy:
        assert _login(proxy, "admin", PASSWORD, {"X-Forwarded-For": "203.0.113.9"}) == 429
        assert _login(proxy, "admin", PASSWORD, {"X-Forwarded-For": "198.51.100.7"}) == 303
    with TestClient(app, client=("192.0.2.1", 50000)) as stranger:  # not a proxy: its header is ignored
        _failed_recently(session, "192.0.2.1")
        assert _login(stranger, "admin", PASSWORD, {"X-Forwarded-For": "198.51.100.7"}) == 429


def test_the_throttled_page_says_when_to_come_back(
    db: Database, session: Session, settings: Settings, accounts: list[str]
) -> None:
    _failed_recently(session, "testclient")
    with TestClient(create_app(settings, db)) as client:
        page = client.get("/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match
        form = {"username": "admin", "password": PASSWORD, "csrf_token": match.group(1)}
        response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 429 and "次数过多" in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 32
