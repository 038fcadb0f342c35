from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from gridgov.config import Settings
from gridgov.logging import JsonFormatter


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
