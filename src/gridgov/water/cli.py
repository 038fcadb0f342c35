"""Commands of the water module: ``gridgov import water FILE`` and ``gridgov export water FILE``: the registry and
plans workbook (.xlsx), or the monthly plans alone (.csv, the 用水计划 columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, migrated, report_import_error
from gridgov.water.transfer import WaterTransfer


def import_water(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help=".xlsx (取水户/取水点/取水许可/用水计划) or .csv (用水计划)"),
    ],
) -> None:
    """Import intake users, intake points, permits and monthly plans; all or nothing (导入取水户、取水点、取水许可、
    用水计划)."""
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            transfer = WaterTransfer(session)
            if file.suffix.lower() == ".csv":
                summary: object = f"{transfer.import_plans(file.read_bytes(), file.name, None)} 用水计划"
            else:
                summary = transfer.import_xlsx(file.read_bytes())
    except AppError as exc:
        report_import_error(exc)
    console.print(f"[green]✓[/green] {summary}")


def export_water(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .xlsx, or .csv (用水计划)")],
) -> None:
    """Export intake users, intake points, permits and plans, for editing and re-import (导出取水户、取水点、取水许可、
    用水计划); a .csv holds the plans alone."""
    database = migrated()
    with database.session() as session:
        transfer = WaterTransfer(session)
        csv = file.suffix.lower() == ".csv"
        file.write_bytes(transfer.export_plans_csv(None) if csv else transfer.export_xlsx())
    console.print(f"[green]✓[/green] wrote {file}")


def register(groups: Groups) -> None:
    groups.group("import").command("water")(import_water)
    groups.group("export").command("water")(export_water)
