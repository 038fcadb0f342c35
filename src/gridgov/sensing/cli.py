"""Commands of the sensing: import readings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gridgov.config import get_settings
from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, migrated, report_import_error
from gridgov.kit.time import utcnow


def import_readings_csv(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: station,property,time,value,unit")],
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Refuse the whole file when any row is bad")
    ] = False,
) -> None:
    """Import sensor readings from CSV (导入监测数据): good rows stored, bad rows dead-lettered and listed."""
    from gridgov.sensing.transfer import import_readings

    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            summary = import_readings(
                session,
                file.read_bytes(),
                file.name,
                clock=utcnow,
                zone=get_settings().timezone,
                all_or_nothing=all_or_nothing,
            )
    except AppError as exc:
        report_import_error(exc)
        return
    if summary.errors:
        table = Table(title=f"{len(summary.errors)} 行未导入，已记入死信 (rows refused, dead-lettered)")
        for column in ("row", "column", "message"):
            table.add_column(column)
        for error in summary.errors[:200]:
            table.add_row(str(error.row), error.column, error.message)
        console.print(table)
    console.print(
        f"[green]✓[/green] {summary.rows} rows: {summary.accepted} stored, {summary.duplicate} repeats counted, "
        f"{len(summary.errors)} refused"
    )
    if summary.errors:
        raise typer.Exit(2)


def register(groups: Groups) -> None:
    groups.group("import").command("readings")(import_readings_csv)
