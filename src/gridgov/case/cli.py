"""Commands of the cases: the taxonomy and the holiday table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from gridgov.case.catalogue import load_holidays, load_taxonomy, save_taxonomy, taxonomy_yaml
from gridgov.case.taxonomy import parse_taxonomy
from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, fail, migrated


def import_taxonomy(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="taxonomy .yaml")]) -> None:
    """Load the case taxonomy (案件分类与处置标准) from YAML; all or nothing."""
    database = migrated()
    try:
        taxonomy = parse_taxonomy(file.read_text("utf-8"))
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            count = save_taxonomy(session, taxonomy)
    except AppError as exc:
        fail(exc.message)
        return
    console.print(f"[green]✓[/green] {count} categories active")


def export_taxonomy(file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .yaml")]) -> None:
    """Write the case taxonomy in use as YAML (导出案件分类)."""
    database = migrated()
    with database.session() as session:
        file.write_text(taxonomy_yaml(load_taxonomy(session)), "utf-8")
    console.print(f"[green]✓[/green] wrote {file}")


def import_holidays(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: 日期,类型(休/班),名称")],
) -> None:
    """Load a year's holidays and adjusted working days from the State Council's notice (节假日安排)."""
    rows = []
    for number, line in enumerate(file.read_text("utf-8-sig").splitlines(), start=1):
        cells = [c.strip() for c in line.split(",")]
        if not cells[0] or cells[0] in ("日期", "date"):
            continue
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            fail(f"第{number}行 A列: 日期应为YYYY-MM-DD (row {number}, column A: not a date)")
            return
        kind = cells[1] if len(cells) > 1 else ""
        if kind not in ("休", "班", "off", "work"):
            fail(f"第{number}行 B列: 类型应为 休 或 班 (row {number}, column B: 休/班)")
            return
        rows.append((day, kind in ("班", "work"), cells[2] if len(cells) > 2 else ""))
    database = migrated()
    with database.session() as session:
        set_actor(session, CLI_ACTOR)
        count = load_holidays(session, rows)
    console.print(f"[green]✓[/green] {count} days loaded")


def register(groups: Groups) -> None:
    groups.group("import").command("taxonomy")(import_taxonomy)
    groups.group("export").command("taxonomy")(export_taxonomy)
    groups.group("import").command("holidays")(import_holidays)
