"""The layering is checked by import-linter (``./scripts/check``): here, that the contracts hold on the tree,
and that a deliberately wrong import in a copy of it breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e .[dev])")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "src" / "gridgov", tmp_path / "src" / "gridgov", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def test_the_tree_keeps_its_layers(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("file", "line", "broken"),
    [
        ("case/service.py", "import gridgov.warning.models", "never import a module"),
        ("kit/time.py", "import gridgov.audit.models", "Layers"),
        ("org/service.py", "import gridgov.case.models", "Layers"),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path: Path, file: str, line: str, broken: str) -> None:
    tree = _copy(tmp_path)
    target = tree / "src" / "gridgov" / file
    target.write_text(target.read_text("utf-8") + f"\n{line}  # noqa\n", "utf-8")
    result = _lint(tree)
    assert result.returncode != 0
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout
