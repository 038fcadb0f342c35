"""Commands of the organisation: import and export the org tree, units and people."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, migrated, report_import_error
from gridgov.org.transfer import OrgTransfer


def import_org(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx (组织/单位/人员) or .csv")],
    sheet: Annotated[str | None, typer.Option(help="For CSV: org, units or people")] = None,
) -> None:
    """Import the org tree, units and people; all or nothing (导入组织、单位、人员)."""
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            with console.status("导入中 (importing)…"):
                summary = OrgTransfer(session).import_file(file.read_bytes(), file.name, sheet)
    except AppError as exc:
        report_import_error(exc)
        return
    console.print(f"[green]✓[/green] {summary}")


def export_org(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .xlsx or .csv")],
    sheet: Annotated[str, typer.Option(help="For CSV: org, units or people")] = "org",
) -> None:
    """Export the org tree, units and people (导出)."""
    database = migrated()
    with database.session() as session:
        transfer = OrgTransfer(session)
        data = transfer.export_csv(sheet) if file.suffix.lower() == ".csv" else transfer.export_xlsx()
    file.write_bytes(data)
    console.print(f"[green]✓[/green] wrote {file} ({len(data):,} bytes)")


def register(groups: Groups) -> None:
    groups.group("import").command("org")(import_org)
    groups.group("export").command("org")(export_org)
