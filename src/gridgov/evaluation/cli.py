"""Commands of the evaluation: reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridgov.errors import AppError
from gridgov.kit.cli import Groups, console, fail, migrated


def report_evaluation(
    month: Annotated[str, typer.Option(help="YYYY-MM (also YYYY-Qn or YYYY)")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="FILE.pdf or FILE.xlsx")],
    township: Annotated[str | None, typer.Option(help="Only this township's part (乡镇代码)")] = None,
) -> None:
    """Monthly evaluation report of the county and its townships, PDF or XLSX (月度综合评价报告)."""
    from gridgov.evaluation.tasks import write_report

    if out.suffix.lower() not in (".pdf", ".xlsx"):
        fail("--out 须为 .pdf 或 .xlsx (the output must be .pdf or .xlsx)")
    database = migrated()
    try:
        size = write_report(database, month, out, township)
    except (AppError, ValueError) as exc:
        fail(exc.message if isinstance(exc, AppError) else str(exc))
        return
    console.print(f"[green]✓[/green] wrote {out} ({size:,} bytes)")


def register(groups: Groups) -> None:
    groups.group("report").command("evaluation")(report_evaluation)
