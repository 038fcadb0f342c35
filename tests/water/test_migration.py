"""The module's migration branch creates exactly the tables its models describe, and drops them again."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import gridgov.water.migrations
from gridgov.migrate import upgrade
from gridgov.schema import metadata
from gridgov.water import models  # noqa: F401  (the tables in the metadata)
from tests.conftest import fresh_engine

TABLES = {"water_user", "water_point", "water_permit"}
LATER = {"water_plan", "water_bill", "water_letter"}


def _revision(number: str = "0001") -> ModuleType:
    (path,) = Path(gridgov.water.migrations.__file__).parent.glob(f"*_water_{number}_*.py")
    spec = importlib.util.spec_from_file_location(f"water_{number}", path)
    assert spec is not None and spec.loader is not None
    found = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(found)
    return found


def test_the_branch_matches_the_models(backend: str, tmp_path: Path) -> None:
    revision = _revision()
    assert (revision.revision, revision.down_revision, revision.branch_labels, revision.depends_on) == (
        "water_0001",
        None,
        ("water",),
        "0004",
    )
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        with engine.begin() as connection:
            if not TABLES <= set(inspect(connection).get_table_names()):
                with Operations.context(MigrationContext.configure(connection)):
                    revision.upgrade()
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert [d for d in diff if "water_" in repr(d)] == []
        with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
            _revision("0003").downgrade()
        assert not LATER & set(inspect(engine).get_table_names())
        with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
            revision.downgrade()
        assert not TABLES & set(inspect(engine).get_table_names())


def test_plans_bills_and_letters_follow_the_enterprise_link() -> None:
    revision = _revision("0003")
    assert (revision.revision, revision.down_revision, revision.branch_labels) == ("water_0003", "water_0002", None)
