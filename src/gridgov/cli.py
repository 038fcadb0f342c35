"""The ``gridgov`` command: init, demo, serve, import, export, user."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from gridgov.audit.recorder import Actor, set_actor
from gridgov.auth.service import AuthService
from gridgov.case.service import load_holidays, load_taxonomy, save_taxonomy, taxonomy_yaml
from gridgov.case.taxonomy import default_taxonomy, parse_taxonomy
from gridgov.config import get_settings
from gridgov.db import Database
from gridgov.demo.builder import COUNTY_CODE, DEMO_PASSWORD, build
from gridgov.errors import AppError
from gridgov.geo.service import import_boundaries
from gridgov.kit.tabular import ImportFailed
from gridgov.migrate import upgrade
from gridgov.org.models import OrgNode, Person, RoleAssignment
from gridgov.org.schemas import PersonCreate, RoleGrant
from gridgov.org.service import OrgService
from gridgov.org.transfer import OrgTransfer

app = typer.Typer(help="gridgov 基层智治平台", no_args_is_help=True)
import_app = typer.Typer(help="Import data (导入)", no_args_is_help=True)
export_app = typer.Typer(help="Export data (导出)", no_args_is_help=True)
user_app = typer.Typer(help="Accounts (账号)", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(user_app, name="user")
console = Console()
CLI_ACTOR = Actor(None, f"cli:{os.environ.get('USER', 'operator')}")


def _database() -> Database:
    return Database.from_url(get_settings().database_url)


def _migrated() -> Database:
    database = _database()
    upgrade(database.engine)
    return database


def _fail(message: str) -> None:
    console.print(f"[red]✗[/red] {message}")
    raise typer.Exit(1)


@app.command()
def init() -> None:
    """Create or migrate the database to the latest schema (创建/升级数据库)."""
    database = _migrated()
    console.print(f"[green]✓[/green] database ready: {database.engine.url.render_as_string(hide_password=True)}")


def _build_demo(database: Database, seed: int) -> bool:
    with database.session() as session:
        if session.scalar(select(OrgNode.id).limit(1)) is not None:
            return False
        set_actor(session, CLI_ACTOR)
        steps = {
            "geometry": "划分村社与网格 (villages and grids)",
            "nodes": "写入组织树 (org tree)",
            "people": "生成人员 (people)",
            "accounts": "创建演示账号 (accounts)",
            "done": "完成 (done)",
        }
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("富阳区演示数据", total=4)

            def progress(label: str, step: int) -> None:
                bar.update(task, completed=step, description=steps.get(label, label))

            summary = build(session, seed=seed, progress=progress)
            save_taxonomy(session, default_taxonomy())
    table = Table(title="富阳区 (330111) 演示县 — real outline, names and codes; synthetic polygons and people")
    for key in ("townships", "villages", "grids", "units", "people", "responsible", "grid_members"):
        table.add_row(key, str(getattr(summary, key)))
    console.print(table)
    return True


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data")] = 20240601,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after building")] = True,
) -> None:
    """Build the demo county (Fuyang 富阳区) if the database is empty, then serve it (演示)."""
    database = _migrated()
    if not _build_demo(database, seed):
        console.print("demo county already present; serving it")
    database.engine.dispose()
    if not serve_app:
        return
    console.print(
        f"\n[bold]gridgov[/bold] → http://{host}:{port}/   login: [bold]admin[/bold] / [bold]{DEMO_PASSWORD}[/bold]"
        f"   (also dispatcher, fuchun, wanshi, grid)\n"
    )
    uvicorn.run("gridgov.asgi:app", host=host, port=port, log_level="warning")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (stateless; share the database)")] = 1,
) -> None:
    """Serve the application (运行服务)."""
    console.print(f"gridgov → http://{host}:{port}/")
    uvicorn.run("gridgov.asgi:app", host=host, port=port, workers=workers, log_level="warning")


def _report_import_error(exc: AppError) -> None:
    if isinstance(exc, ImportFailed):
        table = Table(title="导入失败，未写入任何数据 (import rejected, nothing written)")
        for column in ("sheet", "row", "column", "message"):
            table.add_column(column)
        for error in exc.errors:
            table.add_row(error.sheet, str(error.row), error.column, error.message)
        console.print(table)
        raise typer.Exit(1)
    _fail(exc.message)


@import_app.command("org")
def import_org(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx (组织/单位/人员) or .csv")],
    sheet: Annotated[str | None, typer.Option(help="For CSV: org, units or people")] = None,
) -> None:
    """Import the org tree, units and people; all or nothing (导入组织、单位、人员)."""
    database = _migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            with console.status("导入中 (importing)…"):
                summary = OrgTransfer(session).import_file(file.read_bytes(), file.name, sheet)
    except AppError as exc:
        _report_import_error(exc)
        return
    console.print(f"[green]✓[/green] {summary}")


@import_app.command("boundaries")
def import_geojson(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON FeatureCollection")],
    code_property: Annotated[str, typer.Option(help="Feature property holding the node code")] = "code",
) -> None:
    """Import node boundaries from GeoJSON (导入边界)."""
    database = _migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            count = import_boundaries(session, json.loads(file.read_text("utf-8")), code_property)
    except AppError as exc:
        _fail(exc.message)
        return
    console.print(f"[green]✓[/green] {count} boundaries imported")


@import_app.command("taxonomy")
def import_taxonomy(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="taxonomy .yaml")]) -> None:
    """Load the case taxonomy (案件分类与处置标准) from YAML; all or nothing."""
    database = _migrated()
    try:
        taxonomy = parse_taxonomy(file.read_text("utf-8"))
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            count = save_taxonomy(session, taxonomy)
    except AppError as exc:
        _fail(exc.message)
        return
    console.print(f"[green]✓[/green] {count} categories active")


@import_app.command("holidays")
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
            _fail(f"第{number}行 A列: 日期应为YYYY-MM-DD (row {number}, column A: not a date)")
            return
        kind = cells[1] if len(cells) > 1 else ""
        if kind not in ("休", "班", "off", "work"):
            _fail(f"第{number}行 B列: 类型应为 休 或 班 (row {number}, column B: 休/班)")
            return
        rows.append((day, kind in ("班", "work"), cells[2] if len(cells) > 2 else ""))
    database = _migrated()
    with database.session() as session:
        set_actor(session, CLI_ACTOR)
        count = load_holidays(session, rows)
    console.print(f"[green]✓[/green] {count} days loaded")


@export_app.command("taxonomy")
def export_taxonomy(file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .yaml")]) -> None:
    """Write the case taxonomy in use as YAML (导出案件分类)."""
    database = _migrated()
    with database.session() as session:
        file.write_text(taxonomy_yaml(load_taxonomy(session)), "utf-8")
    console.print(f"[green]✓[/green] wrote {file}")


@export_app.command("org")
def export_org(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .xlsx or .csv")],
    sheet: Annotated[str, typer.Option(help="For CSV: org, units or people")] = "org",
) -> None:
    """Export the org tree, units and people (导出)."""
    database = _migrated()
    with database.session() as session:
        transfer = OrgTransfer(session)
        data = transfer.export_csv(sheet) if file.suffix.lower() == ".csv" else transfer.export_xlsx()
    file.write_bytes(data)
    console.print(f"[green]✓[/green] wrote {file} ({len(data):,} bytes)")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="Person's name (姓名)")],
    phone: Annotated[str, typer.Option(help="Mobile number (手机号)")],
    role: Annotated[list[str], typer.Option(help="role@node_code, e.g. township_operator@330111001")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a person with a login (创建账号)."""
    database = _migrated()
    grants = []
    for item in role:
        role_name, _, node_code = item.partition("@")
        grants.append({"role": role_name, "node_code": node_code or COUNTY_CODE})
    try:
        data = PersonCreate(name=name, phone=phone, roles=[RoleGrant.model_validate(g) for g in grants])
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            repo = OrgService(session).repo
            person = repo.person_by_phone(phone)
            if person is None:
                nodes = repo.nodes_by_codes([g.node_code for g in data.roles])
                missing = [g.node_code for g in data.roles if g.node_code not in nodes]
                if missing:
                    _fail(f"unknown node {missing[0]}")
                person = Person(
                    name=data.name,
                    phone=data.phone,
                    roles=[RoleAssignment(role=g.role.value, node_id=nodes[g.node_code].id) for g in data.roles],
                )
                session.add(person)
                session.flush()
            AuthService(session, get_settings()).create_account(person, username, password)
    except AppError as exc:
        _fail(exc.message)
        return
    except ValueError as exc:
        _fail(str(exc))
        return
    console.print(f"[green]✓[/green] account {username} created")


if __name__ == "__main__":
    app()
