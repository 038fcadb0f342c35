"""Commands of the water module: ``gridgov import water FILE.xlsx`` and ``gridgov export water FILE.xlsx``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, migrated, report_import_error
from gridgov.water.transfer import WaterTransfer


def import_water(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx (取水户/取水点/取水许可)")],
) -> None:
    """Import intake users, intake points and permits; all or nothing (导入取水户、取水点、取水许可)."""
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            summary = WaterTransfer(session).import_xlsx(file.read_bytes())
    except AppError as exc:
        report_import_error(exc)
    console.print(f"[green]✓[/green] {summary}")


def export_water(file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .xlsx")]) -> None:
    """Export intake users, intake points and permits, for editing and re-import (导出取水户、取水点、取水许可)."""
    database = migrated()
    with database.session() as session:
        file.write_bytes(WaterTransfer(session).export_xlsx())
    console.print(f"[green]✓[/green] wrote {file}")


def register(groups: Groups) -> None:
    groups.group("import").command("water")(import_water)
    groups.group("export").command("water")(export_water)
