"""The module's migration branch creates exactly the tables its models describe, and drops them again."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import gridgov.carbon.migrations
from gridgov.carbon import models  # noqa: F401  (the tables in the metadata)
from gridgov.migrate import upgrade
from gridgov.schema import metadata
from tests.conftest import fresh_engine

TABLES = {"carbon_month", "carbon_fuel"}


def _revision() -> ModuleType:
    (path,) = Path(gridgov.carbon.migrations.__file__).parent.glob("*_carbon_0001_*.py")
    spec = importlib.util.spec_from_file_location("carbon_0001", path)
    assert spec is not None and spec.loader is not None
    found = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(found)
    return found


def test_the_branch_matches_the_models(backend: str, tmp_path: Path) -> None:
    revision = _revision()
    assert (revision.revision, revision.down_revision, revision.branch_labels, revision.depends_on) == (
        "carbon_0001",
        None,
        ("carbon",),
        "0009",
    )
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        with engine.begin() as connection:
            if not TABLES <= set(inspect(connection).get_table_names()):
                with Operations.context(MigrationContext.configure(connection)):
                    revision.upgrade()
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert [d for d in diff if "carbon_" in repr(d)] == []
        with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
            revision.downgrade()
        assert not TABLES & set(inspect(engine).get_table_names())
