"""What every package's command-line commands share: the console, the actor they write as, failing with a
message, the database they open, and the command groups they add themselves to.

The application's ``gridgov.cli`` says how a database is opened (migrated and audited); packages and modules
register their commands on :class:`Groups` (``gridgov import zones``, ``gridgov simulate storm``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table

from gridgov.db import Database
from gridgov.errors import AppError
from gridgov.kit.actor import Actor
from gridgov.kit.tabular import ImportFailed

console = Console()
CLI_ACTOR = Actor(None, f"cli:{os.environ.get('USER', 'operator')}")
_opener: list[Callable[[bool], Database]] = []


def set_opener(opener: Callable[[bool], Database]) -> None:
    """How commands open the database (the application's CLI: migrated, with audited writes)."""
    _opener[:] = [opener]


def migrated(*, audited: bool = True) -> Database:
    """The configured database, migrated; what a command writes is audited unless ``audited`` is false."""
    if not _opener:
        raise RuntimeError("no database opener: commands run through gridgov.cli")
    return _opener[0](audited)


def fail(message: str) -> NoReturn:
    console.print(f"[red]✗[/red] {message}")
    raise typer.Exit(1)


def report_import_error(exc: AppError) -> NoReturn:
    """Import errors by sheet, row and column (nothing was written), or the error's message."""
    if isinstance(exc, ImportFailed):
        table = Table(title="导入失败，未写入任何数据 (import rejected, nothing written)")
        for column in ("sheet", "row", "column", "message"):
            table.add_column(column)
        for error in exc.errors:
            table.add_row(error.sheet, str(error.row), error.column, error.message)
        console.print(table)
        raise typer.Exit(1)
    fail(exc.message)


class Groups:
    """The command tree: the root and its named groups, created on first use."""

    HELP = {
        "import": "Import data (导入)",
        "export": "Export data (导出)",
        "report": "Reports (报告)",
        "simulate": "Simulations and drills (模拟与演练)",
        "config": "Configuration documents (配置文档)",
        "user": "Accounts (账号)",
        "token": "API tokens (令牌)",
    }

    def __init__(self, root: typer.Typer) -> None:
        self.root = root
        self._groups: dict[str, typer.Typer] = {}

    def group(self, name: str) -> typer.Typer:
        found = self._groups.get(name)
        if found is None:
            found = self._groups[name] = typer.Typer(help=self.HELP.get(name, name), no_args_is_help=True)
            self.root.add_typer(found, name=name)
        return found
