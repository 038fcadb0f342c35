"""Commands of the registry: ``gridgov import enterprises|places FILE`` and ``gridgov export enterprises|places FILE``
(.xlsx, sheet 企业 or 场所, or .csv)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, migrated, report_import_error
from gridgov.registry.transfer import RegistryTransfer

File = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx (sheet 企业/场所) or .csv")]
Out = Annotated[Path, typer.Argument(dir_okay=False, help="Output .xlsx or .csv")]


def _import(what: str, file: Path) -> None:
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            transfer = RegistryTransfer(session)
            data = file.read_bytes()
            if what == "enterprises":
                summary = transfer.import_enterprises(data, file.name)
            else:
                summary = transfer.import_places(data, file.name)
    except AppError as exc:
        report_import_error(exc)
    console.print(f"[green]✓[/green] {summary}")


def _export(what: str, file: Path) -> None:
    database = migrated()
    with database.session() as session:
        data = RegistryTransfer(session).export(what, "csv" if file.suffix.lower() == ".csv" else "xlsx")
    file.write_bytes(data)
    console.print(f"[green]✓[/green] wrote {file} ({len(data):,} bytes)")


def import_enterprises(file: File) -> None:
    """Import enterprises; all or nothing (导入企业: matched on 统一社会信用代码)."""
    _import("enterprises", file)


def import_places(file: File) -> None:
    """Import places; all or nothing (导入场所: matched on 场所编码)."""
    _import("places", file)


def export_enterprises(file: Out) -> None:
    """Export enterprises for editing and re-import (导出企业)."""
    _export("enterprises", file)


def export_places(file: Out) -> None:
    """Export places for editing and re-import (导出场所)."""
    _export("places", file)


def register(groups: Groups) -> None:
    groups.group("import").command("enterprises")(import_enterprises)
    groups.group("import").command("places")(import_places)
    groups.group("export").command("enterprises")(export_enterprises)
    groups.group("export").command("places")(export_places)
