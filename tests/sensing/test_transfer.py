"""CSV import of readings: good rows stored, bad rows dead-lettered and reported by row and column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gridgov.cli import app
from gridgov.config import get_settings
from gridgov.db import Database
from gridgov.kit.tabular import ImportFailed
from gridgov.migrate import upgrade
from gridgov.sensing.models import DeadLetter, Observation
from gridgov.sensing.transfer import import_readings
from tests.sensing.world import FUCHUN_GAUGE, build_gauges

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
CSV = (
    "station,property,time,value,unit\n"
    f"{FUCHUN_GAUGE},rainfall,2026-11-23T05:00:00Z,1.5,mm\n"
    f"{FUCHUN_GAUGE},rainfall,2026-11-23 13:05:00,2,mm\n"
    f"{FUCHUN_GAUGE},rainfall,2026-11-23T05:00:00Z,1.5,mm\n"
    f"{FUCHUN_GAUGE},rainfall,2026-11-23T05:10:00Z,abc,mm\n"
    f"{FUCHUN_GAUGE},rainfall,2026-11-23T05:15:00Z,1,cm\n"
    "NOPE,rainfall,2026-11-23T05:20:00Z,1,mm\n"
    f"{FUCHUN_GAUGE},rainfall,,1,mm\n"
    "\n"
    f"{FUCHUN_GAUGE},rainfall,not a time,1,mm\n"
).encode()


def test_rows_land_or_are_reported_by_row_and_column(session: Session) -> None:
    build_gauges(session)
    summary = import_readings(session, CSV, "rain.csv", clock=lambda: NOW)
    assert (summary.rows, summary.accepted, summary.duplicate) == (8, 2, 1)
    assert [(e.row, e.column) for e in summary.errors] == [(5, "D"), (6, "E"), (7, "A"), (8, "C"), (10, "C")]
    assert "不是有限数字" in summary.errors[0].message and "(" in summary.errors[0].message
    assert session.scalar(select(func.count()).select_from(Observation)) == 2
    letters = list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
    assert [(d.source, d.topic) for d in letters][:2] == [("csv", "rain.csv:5"), ("csv", "rain.csv:6")]


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(session: Session) -> None:
    build_gauges(session)
    with pytest.raises(ImportFailed) as failed:
        with session.begin_nested():
            import_readings(session, CSV, "rain.csv", clock=lambda: NOW, all_or_nothing=True)
    assert len(failed.value.errors) == 5
    assert session.scalar(select(func.count()).select_from(Observation)) == 0


def test_a_file_without_the_columns_is_refused(session: Session) -> None:
    with pytest.raises(ImportFailed) as failed:
        import_readings(session, b"a,b\n1,2\n", "x.csv", clock=lambda: NOW)
    assert {e.column for e in failed.value.errors} == {"station", "property", "time", "value"}


@pytest.fixture
def sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", url)
    get_settings.cache_clear()
    database = Database.from_url(url)
    upgrade(database.engine)
    yield database
    database.engine.dispose()
    get_settings.cache_clear()


def test_the_command_imports_and_lists_the_refused_rows(sqlite_file: Database, tmp_path: Path) -> None:
    with sqlite_file.session() as session:
        build_gauges(session)
    path = tmp_path / "rain.csv"
    path.write_bytes(CSV.replace(b"2026-11-23", b"2020-01-01"))  # past, whatever today is
    result = CliRunner().invoke(app, ["import", "readings", str(path)])
    assert result.exit_code == 2, result.output
    assert "8 rows: 2 stored, 1 repeats counted, 5 refused" in result.output
    assert "不是有限数字" in result.output
    with sqlite_file.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 2
