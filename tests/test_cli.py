from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from gridgov.cli import app
from gridgov.config import get_settings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_demo_build_then_export(database: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "1007" in result.output or "grids" in result.output
    out = tmp_path / "org.xlsx"
    assert runner.invoke(app, ["export", "org", str(out)]).exit_code == 0
    workbook = load_workbook(out, read_only=True)
    rows = list(workbook["组织"].iter_rows(values_only=True))
    workbook.close()
    assert rows[1] == ("330111", "富阳区", "县(区)", None)
    assert len(rows) == 1 + 1 + 24 + 350 + 1007
    assert "770" in result.output and "495" in result.output  # the geo-hazard network
    zones = tmp_path / "zones.xlsx"
    assert runner.invoke(app, ["export", "zones", str(zones)]).exit_code == 0
    again = runner.invoke(app, ["import", "zones", str(zones)])
    assert again.exit_code == 0 and "zones_updated=770" in again.output, again.output


def test_bad_import_exits_nonzero_with_row_and_column(database: Path, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "组织"
    sheet.append(["编码", "名称", "类型", "上级编码"])
    sheet.append(["330111", "富阳区", "星球", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(buffer.getvalue())
    result = CliRunner().invoke(app, ["import", "org", str(path)])
    assert result.exit_code == 1
    assert "组织" in result.output and "C" in result.output and "星球" in result.output


def test_user_add(database: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["init"])
    result = runner.invoke(
        app,
        [
            "user",
            "add",
            "boss",
            "--name",
            "县长",
            "--phone",
            "13800001111",
            "--role",
            "admin@330111",
            "--password",
            "long-password",
        ],
    )
    assert result.exit_code == 1 and "unknown node" in result.output  # no tree yet


def test_taxonomy_round_trip_and_bad_file(database: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "taxonomy.yaml"
    assert runner.invoke(app, ["export", "taxonomy", str(out)]).exit_code == 0
    text = out.read_text("utf-8")
    assert "井盖缺损" in text and "clock_hours" in text
    edited = text.replace("name: 井盖缺损", "name: 窨井盖缺损")
    out.write_text(edited, "utf-8")
    result = runner.invoke(app, ["import", "taxonomy", str(out)])
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.yaml"
    runner.invoke(app, ["export", "taxonomy", str(again)])
    assert "窨井盖缺损" in again.read_text("utf-8")
    out.write_text(edited.replace("severity: 3", "severity: 7", 1), "utf-8")
    bad = runner.invoke(app, ["import", "taxonomy", str(out)])
    assert bad.exit_code == 1 and "severity" in bad.output


def test_holiday_table_import(database: Path, tmp_path: Path) -> None:
    table = tmp_path / "2027.csv"
    table.write_text("日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节调休\n", "utf-8")
    assert CliRunner().invoke(app, ["import", "holidays", str(table)]).exit_code == 0
    table.write_text("日期,类型,名称\n2027-13-01,休,错\n", "utf-8")
    bad = CliRunner().invoke(app, ["import", "holidays", str(table)])
    assert bad.exit_code == 1 and "第2行" in bad.output


def test_routing_rules_export_edit_import(database: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "routing.yaml"
    assert runner.invoke(app, ["export", "config", "case.routing", str(out)]).exit_code == 0
    text = out.read_text("utf-8")
    assert "红码企业诉求" in text and "SZZX" in text
    out.write_text(text.replace("tier: county", "tier: province", 1), "utf-8")
    bad = runner.invoke(app, ["import", "config", "case.routing", str(out)])
    assert bad.exit_code == 1 and "rules.0.tier" in bad.output
    out.write_text(text.replace("min_severity: 3", "min_severity: 2", 1), "utf-8")
    assert runner.invoke(app, ["import", "config", "case.routing", str(out)]).exit_code == 0
    again = tmp_path / "again.yaml"
    runner.invoke(app, ["export", "config", "case.routing", str(again)])
    assert "min_severity: 2" in again.read_text("utf-8")
    with sqlite3.connect(database) as raw:  # the change is audited with who made it (the CLI)
        (actor,) = raw.execute("SELECT actor_name FROM audit_log WHERE entity = 'config_document'").fetchone()
    assert actor.startswith("cli:")
    assert runner.invoke(app, ["export", "config", "no.such", str(again)]).exit_code == 1


def test_scripts_gridgov_runs_the_cli_without_an_activated_venv(tmp_path: Path) -> None:
    """``./scripts/gridgov …`` is the README's command for a newcomer: it needs no ``.venv/bin`` on PATH and runs
    in the caller's directory (relative file arguments work). A copy of the checkout with the venv already
    installed, so no pip runs here."""
    root = Path(__file__).resolve().parents[1]
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    for name in ("gridgov", "_venv"):
        shutil.copy2(root / "scripts" / name, checkout / "scripts" / name)
    (checkout / "pyproject.toml").write_text("", "utf-8")
    (checkout / ".venv" / "bin").mkdir(parents=True)
    for name in ("python", "gridgov"):
        (checkout / ".venv" / "bin" / name).symlink_to(Path(sys.prefix) / "bin" / name)
    (checkout / ".venv" / ".installed").touch()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(checkout / "scripts" / "gridgov"), "--help"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "gridgov" in result.stdout and "serve" in result.stdout and "demo" in result.stdout
