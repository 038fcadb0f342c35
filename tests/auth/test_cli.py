"""``gridgov user add|disable|enable`` and ``gridgov token list|revoke`` against a database file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gridgov.auth.passwords import DEMO_PASSWORD
from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.cli import app
from gridgov.config import DEV_SECRET, Settings, get_settings
from gridgov.db import Database
from gridgov.main import create_app
from tests.factories import build_county

GOOD = "富春江上的第一场雪-2026"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    database = Database.from_url(get_settings().database_url)
    with database.session() as session:
        build_county(session)
    yield database
    database.engine.dispose()
    get_settings.cache_clear()


def _add(password: str) -> tuple[int, str]:
    args = ["user", "add", "boss", "--name", "县长", "--phone", "13800001111", "--role", "admin", "--password"]
    result = CliRunner().invoke(app, [*args, password])
    return result.exit_code, result.output


def test_user_add_refuses_weak_passwords(database: Database) -> None:
    for weak, reason in ((DEMO_PASSWORD, "演示"), ("富春江-2026", "10"), ("iloveyou12345", "常见")):
        code, output = _add(weak)
        assert code == 1 and reason in output, output
    assert _add(GOOD) == (0, "✓ account boss created\n")


def test_disable_ends_access_and_tokens_are_listed_and_revoked(database: Database) -> None:
    assert _add(GOOD)[0] == 0
    settings = get_settings()
    with database.session() as session:
        service = AuthService(session, settings)
        account = service.repo.account_by_username("boss")
        assert account is not None
        first, second = (service.create_token(account.id, TokenCreate(name=n)) for n in ("etl", "大屏"))
        service.login("boss", GOOD, "127.0.0.1")
    runner = CliRunner()
    listed = runner.invoke(app, ["token", "list", "boss"])
    assert listed.exit_code == 0 and first.token[:8] in listed.output and "大屏" in listed.output
    assert runner.invoke(app, ["token", "revoke", str(first.id)]).exit_code == 0
    assert first.token[:8] not in runner.invoke(app, ["token", "list"]).output
    assert "revoked" in runner.invoke(app, ["token", "list", "boss", "--all"]).output
    assert runner.invoke(app, ["token", "revoke", "99999"]).exit_code == 1
    quiet = {"sweep_seconds": 0, "notify_seconds": 0, "warning_seconds": 0}
    web = create_app(Settings(environment="test", data_dir=settings.data_dir, **quiet), database)  # type: ignore[arg-type]
    with TestClient(web) as client:
        me = {"Authorization": f"Bearer {second.token}"}
        assert client.get("/api/v1/me", headers=me).status_code == 200
        disabled = runner.invoke(app, ["user", "disable", "boss"])
        assert disabled.exit_code == 0 and "1 session(s) ended, 1 token(s) revoked" in disabled.output
        assert client.get("/api/v1/me", headers=me).status_code == 401
    with database.session() as session, pytest.raises(Exception, match="用户名或密码错误"):
        AuthService(session, settings).login("boss", GOOD, "10.0.0.1")
    assert runner.invoke(app, ["user", "enable", "boss"]).exit_code == 0
    with database.session() as session:
        assert AuthService(session, settings).login("boss", GOOD, "10.0.0.1").account_id == account.id
    assert runner.invoke(app, ["user", "disable", "nobody"]).exit_code == 1


def test_serve_refuses_a_public_address_with_the_development_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDGOV_SECRET_KEY", DEV_SECRET)
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        for command in (["serve", "--host", "0.0.0.0"], ["demo", "--host", "192.0.2.10"]):
            with patch("uvicorn.run") as run:
                result = CliRunner().invoke(app, command)
            assert result.exit_code == 1 and "GRIDGOV_SECRET_KEY" in result.output and not run.called
    finally:
        get_settings.cache_clear()
