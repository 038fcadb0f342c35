"""Running the Alembic migrations programmatically (``gridgov init`` and the tests).

The core's revisions form the branch ``core`` (``migrations/versions``); every installed module has its own
branch, labelled with its name, in its own package. Upgrading goes to the head of the core and of each enabled
module, so a disabled module's tables are left as they are; every installed module's revisions stay known, so a
database that once had a module enabled still reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect, text

from gridgov.module import Module, enabled, installed

CORE_BRANCH = "core"


def _location(package: str) -> str:
    return str(resources.files(package))


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("gridgov").joinpath("migrations")))
    locations = [str(resources.files("gridgov").joinpath("migrations", "versions"))]
    locations += [_location(m.migrations.package) for m in installed() if m.migrations]
    # alembic splits the list on a separator it is told; newline cannot occur in a path we write
    config.set_main_option("path_separator", "newline")
    config.set_main_option("version_locations", "\n".join(locations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def targets(modules: Sequence[Module]) -> list[str]:
    """The heads an upgrade goes to: the core's and each module's that has migrations."""
    return [f"{CORE_BRANCH}@head", *(f"{m.name}@head" for m in modules if m.migrations)]


def _adopt(connection: Connection, modules: Sequence[Module]) -> None:
    """Record the module revisions whose tables a database made before the module's branch existed
    already has (then they ran on the core's chain), instead of running them again."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        return
    recorded = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    for module in modules:
        if module.migrations is None:
            continue
        for revision, table in module.migrations.adopted.items():
            if table in tables and revision not in recorded:
                connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})


def upgrade(engine: Engine, revision: str | None = None, modules: Sequence[Module] | None = None) -> None:
    """Upgrade to ``revision``, or to the heads of the core and of ``modules`` (default: the enabled ones)."""
    from gridgov.config import get_settings

    chosen = tuple(enabled(get_settings().modules) if modules is None else modules)
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        _adopt(connection, chosen)
        for target in [revision] if revision else targets(chosen):
            command.upgrade(config, target)


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
