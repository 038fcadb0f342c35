"""Commands of the geography: import boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridgov.errors import AppError
from gridgov.geo.service import import_boundaries
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, fail, migrated


def import_geojson(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON FeatureCollection")],
    code_property: Annotated[str, typer.Option(help="Feature property holding the node code")] = "code",
) -> None:
    """Import node boundaries from GeoJSON (导入边界)."""
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            count = import_boundaries(session, json.loads(file.read_text("utf-8")), code_property)
    except AppError as exc:
        fail(exc.message)
        return
    console.print(f"[green]✓[/green] {count} boundaries imported")


def register(groups: Groups) -> None:
    groups.group("import").command("boundaries")(import_geojson)
