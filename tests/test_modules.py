"""The module boundary: a module package installed beside gridgov (the tiny fixture module, found through the
``gridgov.modules`` entry point of a distribution on the path) appears in the app, the nav, the API and the
OpenAPI document, ``gridgov config list``, the evaluation's rankings and ``alembic heads`` without any file of
gridgov changing; ``GRIDGOV_MODULES`` without it removes it cleanly (no routes, nav, indicator, job or table)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "tinymodule"


@pytest.fixture(scope="module")
def installed_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the tiny module's distribution metadata, as ``pip install`` would leave it."""
    site = tmp_path_factory.mktemp("site")
    dist = site / "gridgov_tiny-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: gridgov-tiny\nVersion: 0.1\n", "utf-8")
    (dist / "entry_points.txt").write_text("[gridgov.modules]\ntiny = tinymodule.module:module\n", "utf-8")
    return site


def _run(args: list[str], site: Path, workdir: Path, modules: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(FIXTURE), str(ROOT)])
    env["GRIDGOV_DATABASE_URL"] = f"sqlite:///{workdir / 'cli.db'}"
    env["GRIDGOV_DATA_DIR"] = str(workdir)
    env["GRIDGOV_ENVIRONMENT"] = "test"
    if modules is not None:
        env["GRIDGOV_MODULES"] = modules
    return subprocess.run(args, env=env, cwd=workdir, capture_output=True, text=True, timeout=240)


def _app(site: Path, workdir: Path, modules: str | None) -> dict[str, object]:
    result = _run([sys.executable, str(FIXTURE / "check_app.py"), str(workdir)], site, workdir, modules)
    assert result.returncode == 0, result.stderr[-3000:]
    shown: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return shown


def test_an_installed_module_appears_everywhere(installed_tiny: Path, tmp_path: Path) -> None:
    shown = _app(installed_tiny, tmp_path, None)
    assert "tiny_0001" in shown["heads"] and "0011" in shown["heads"] and "0005" in shown["heads"]
    assert shown["tables"] == ["tiny_check"]
    assert "/tiny" in shown["nav"] and "/warnings" in shown["nav"]
    assert shown["api"] == 200 and shown["page"] == 200
    assert "检查完成情况" in str(shown["page_text"]) and "小模块" in str(
        shown["page_text"]
    )  # its template and nav label
    assert "tiny.done_rate" in shown["indicators"] and "warning.ack_in_time_rate" in shown["indicators"]
    assert shown["ranking_status"] == 200
    rows = shown["ranking"]
    assert isinstance(rows, list) and rows[0]["key"] == "330111001"
    assert rows[0]["numerator"] == 3 and rows[0]["denominator"] == 6 and rows[0]["value"] == 0.5
    assert "/api/v1/tiny/checks" in str(shown["openapi_paths"])
    assert int(str(shown["job_runs"])) >= 1

    listed = _run([sys.executable, "-m", "gridgov", "config", "list"], installed_tiny, tmp_path, None)
    assert listed.returncode == 0, listed.stderr
    assert "tiny.settings" in listed.stdout and "warning.thresholds" in listed.stdout


def test_disabling_a_module_removes_it_cleanly(installed_tiny: Path, tmp_path: Path) -> None:
    shown = _app(installed_tiny, tmp_path, "warning")
    assert shown["tables"] == []  # its migration did not run
    assert "tiny_0001" in shown["heads"]  # its revisions stay known, for a database that once had it
    assert "/tiny" not in shown["nav"] and "/warnings" in shown["nav"]
    assert shown["api"] == 404 and shown["page"] == 404
    assert "tiny.done_rate" not in shown["indicators"] and "warning.ack_in_time_rate" in shown["indicators"]
    assert shown["ranking_status"] == 404
    assert shown["openapi_paths"] == [] and shown["job_runs"] == 0

    listed = _run([sys.executable, "-m", "gridgov", "config", "list"], installed_tiny, tmp_path, "warning")
    assert listed.returncode == 0, listed.stderr
    assert "tiny.settings" not in listed.stdout and "warning.thresholds" in listed.stdout


def test_core_only(installed_tiny: Path, tmp_path: Path) -> None:
    shown = _app(installed_tiny, tmp_path, "none")
    assert "/warnings" not in shown["nav"] and "/tiny" not in shown["nav"]
    assert shown["indicators"] == []
