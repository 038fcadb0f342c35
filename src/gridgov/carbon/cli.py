"""Commands of the carbon module: ``gridgov report carbon --month YYYY-MM --out x.pdf|x.xlsx`` and
``gridgov import carbon-months FILE.xlsx|.csv``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, fail, migrated, report_import_error


def report_carbon(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="FILE.pdf or FILE.xlsx")],
    factors: Annotated[str | None, typer.Option(help="Recompute with this factor version (重新核算)")] = None,
) -> None:
    """Monthly carbon monitoring report (碳排放监测专报), PDF or XLSX."""
    from gridgov.carbon.report import parse_month, report_bytes
    from gridgov.carbon.service import CarbonService

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "xlsx"):
        fail("--out 须为 .pdf 或 .xlsx (the output must be .pdf or .xlsx)")
    try:
        chosen = parse_month(month)
        with migrated().session() as session:
            data = report_bytes(CarbonService(session), chosen, fmt, factors)
    except (AppError, ValueError) as exc:
        fail(exc.message if isinstance(exc, AppError) else str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    console.print(f"[green]✓[/green] wrote {out} ({len(data):,} bytes)")


def import_months(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx (sheet 月度数据) or .csv")],
) -> None:
    """Import enterprises' monthly energy and economics; all or nothing (导入月度能耗与经济数据)."""
    from gridgov.carbon.service import CarbonService
    from gridgov.carbon.transfer import MonthTransfer

    try:
        with migrated().session() as session:
            set_actor(session, CLI_ACTOR)
            done = MonthTransfer(session, CarbonService(session).factors()).import_file(
                None, file.read_bytes(), file.name
            )
    except AppError as exc:
        report_import_error(exc)
    console.print(f"[green]✓[/green] {done}")


def register(groups: Groups) -> None:
    groups.group("report").command("carbon")(report_carbon)
    groups.group("import").command("carbon-months")(import_months)
