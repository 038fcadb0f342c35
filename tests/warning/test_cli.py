from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gridgov.cli import app
from gridgov.config import get_settings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_thresholds_export_edit_import(database: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "thresholds.yaml"
    assert runner.invoke(app, ["export", "config", "warning.thresholds", str(out)]).exit_code == 0
    body = yaml.safe_load(out.read_text("utf-8"))
    assert body["calibrated"] is False and body["levels"]["1"]["rows"]
    body["levels"]["1"]["rows"][0]["mm"] = 999  # 1h yellow above orange: refused
    out.write_text(yaml.safe_dump(body, allow_unicode=True), "utf-8")
    bad = runner.invoke(app, ["import", "config", "warning.thresholds", str(out)])
    assert bad.exit_code == 1 and "levels.1" in bad.output
    body["levels"]["1"]["rows"][0]["mm"] = 18
    body["overrides"] = [
        {"zone": "330111001001-01", "reason": "坡体变形", "rows": [{"window_h": 1, "colour": "red", "mm": 36}]}
    ]
    out.write_text(yaml.safe_dump(body, allow_unicode=True), "utf-8")
    result = runner.invoke(app, ["import", "config", "warning.thresholds", str(out)])
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.yaml"
    assert runner.invoke(app, ["export", "config", "warning.thresholds", str(again)]).exit_code == 0
    assert yaml.safe_load(again.read_text("utf-8"))["overrides"][0]["reason"] == "坡体变形"


def test_policy_round_trip(database: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "policy.yaml"
    assert runner.invoke(app, ["export", "config", "warning.policy", str(out)]).exit_code == 0
    body = yaml.safe_load(out.read_text("utf-8"))
    body["cap"]["sender"] = "has space"
    out.write_text(yaml.safe_dump(body, allow_unicode=True), "utf-8")
    bad = runner.invoke(app, ["import", "config", "warning.policy", str(out)])
    assert bad.exit_code == 1 and "cap.sender" in bad.output
