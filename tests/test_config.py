from __future__ import annotations

import json
import logging
from datetime import time

import pytest
from pydantic import ValidationError

from gridgov.config import Settings
from gridgov.logging import JsonFormatter
from gridgov.main import create_app


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="GRIDGOV_SECRET_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", secret_key="s3cret-from-vault").secret_key == "s3cret-from-vault"


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
