from __future__ import annotations

import json
import logging
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from gridgov.config import DEV_SECRET, SECRET_FILE, Settings
from gridgov.deps import cookie_signer
from gridgov.logging import JsonFormatter
from gridgov.main import create_app
from gridgov.notify.service import link_token
from gridgov.sensing.gateways import internal_password


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    for unset_or_public in ({}, {"secret_key": DEV_SECRET}):
        with pytest.raises(ValidationError, match="GRIDGOV_SECRET_KEY"):
            Settings(environment="production", data_dir=tmp_path, **unset_or_public)  # type: ignore[arg-type]
    assert not (tmp_path / SECRET_FILE).exists()
    assert Settings(environment="production", secret_key="s3cret-from-vault").secret_key == "s3cret-from-vault"


def test_an_unset_secret_is_generated_once_private_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "var")
    path = tmp_path / "var" / SECRET_FILE
    assert first.generated_secret_file == path and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 64 and first.secret_key != DEV_SECRET
    assert Settings(data_dir=tmp_path / "var").secret_key == first.secret_key  # the next start, another process
    assert Settings(data_dir=tmp_path / "elsewhere").secret_key != first.secret_key  # random, not a constant
    explicit = Settings(data_dir=tmp_path / "var", secret_key="from-the-environment")
    assert explicit.secret_key == "from-the-environment" and explicit.generated_secret_file is None


def test_processes_starting_together_agree_on_the_generated_secret(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: Settings(data_dir=tmp_path).secret_key, range(16)))
    assert len(keys) == 1 and [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]


def test_the_public_development_secret_stays_on_loopback(tmp_path: Path) -> None:
    public = Settings(data_dir=tmp_path, secret_key=DEV_SECRET)
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        public.check_listen(host)
    for host in ("0.0.0.0", "::", "192.168.1.10", "gov.example"):
        with pytest.raises(ValueError, match="GRIDGOV_SECRET_KEY"):
            public.check_listen(host)
    Settings(data_dir=tmp_path).check_listen("0.0.0.0")  # a generated secret may listen anywhere
    with pytest.raises(ValidationError, match="GRIDGOV_MQTT_EMBEDDED_BIND"):
        Settings(data_dir=tmp_path, secret_key=DEV_SECRET, mqtt_embedded_bind="0.0.0.0:1883")


def test_nothing_signs_with_a_constant(tmp_path: Path) -> None:
    """The session cookie, the 叫应 links and the broker's internal password all follow the secret key."""
    one, two = (Settings(data_dir=tmp_path / name) for name in ("one", "two"))
    assert cookie_signer(one).dumps("s") != cookie_signer(two).dumps("s")
    assert link_token(one.secret_key, 7) != link_token(two.secret_key, 7)
    assert internal_password(one.secret_key) != internal_password(two.secret_key)


def test_settings_come_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", "postgresql+psycopg://gov@db/gridgov")
    assert Settings().database_url == "postgresql+psycopg://gov@db/gridgov" and not Settings().is_sqlite


def test_json_log_lines_carry_extra_fields() -> None:
    record = logging.makeLogRecord({"name": "gridgov", "levelname": "WARNING", "msg": "超时 %s", "args": ("x",)})
    record.case_id = 42
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "超时 x" and line["level"] == "warning" and line["case_id"] == 42
    assert line["time"].endswith("+00:00")


def test_working_hours_are_configured_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDGOV_WORK_HOURS", "08:00-12:00,14:00-18:00")
    settings = Settings()
    assert settings.work_periods == ((time(8), time(12)), (time(14), time(18)))
    app = create_app(settings.model_copy(update={"database_url": "sqlite://"}))
    assert app.state.calendar.day_minutes == 480  # the deadlines count these hours
    with pytest.raises(ValidationError, match="work_hours"):
        Settings(work_hours="08:00-12:00,11:00-13:00")


def test_a_generated_secret_is_announced_at_start_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    create_app(Settings(data_dir=tmp_path, database_url="sqlite://"))
    create_app(Settings(data_dir=tmp_path, database_url="sqlite://", secret_key="from-the-environment"))
    warned = [line for line in capsys.readouterr().err.splitlines() if "GRIDGOV_SECRET_KEY" in line]
    assert len(warned) == 1 and "WARNING" in warned[0] and str(tmp_path / SECRET_FILE) in warned[0]
