"""The same migrations run on SQLite and PostgreSQL, up from empty and back down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from gridgov.migrate import downgrade, upgrade
from gridgov.schema import metadata
from tests.conftest import fresh_engine


@pytest.fixture
def empty_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(backend, tmp_path) as engine:
        yield engine


def test_up_down_up(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(metadata.tables) <= tables
    downgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())


def test_models_match_migrations(empty_engine: Engine) -> None:
    """No model change is left without a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def _versions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def _module_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    from gridgov.migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    return heads - {"0011"}


def test_core_and_each_module_have_their_own_branch(empty_engine: Engine) -> None:
    """The core's head and each installed module's head are recorded; the module's tables come with it."""
    upgrade(empty_engine)
    assert "0005" in _module_heads()  # the warning module's
    assert _versions(empty_engine) == {"0011"} | _module_heads()
    assert "warning_zone" in inspect(empty_engine).get_table_names()


def test_a_module_left_out_keeps_its_tables_untouched(empty_engine: Engine) -> None:
    upgrade(empty_engine, modules=())
    assert _versions(empty_engine) == {"0011"}
    assert "warning_zone" not in inspect(empty_engine).get_table_names()
    upgrade(empty_engine)  # enabling it later runs its branch
    assert "warning_zone" in inspect(empty_engine).get_table_names()


def test_a_database_from_the_single_chain_upgrades(empty_engine: Engine) -> None:
    """Databases migrated before the warning module had its own branch record only 0008 (0005 was on the
    core's chain); they adopt 0005 instead of running it again."""
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version WHERE version_num = '0005'"))
    upgrade(empty_engine)
    assert _versions(empty_engine) == {"0011"} | _module_heads()
