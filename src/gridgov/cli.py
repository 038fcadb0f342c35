"""The ``gridgov`` command: set-up, demo and serve, configuration documents, and the commands that the core's
packages and the enabled modules register (``gridgov import …``, ``gridgov simulate …``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
import yaml
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from gridgov import core
from gridgov.audit.recorder import install as install_audit
from gridgov.auth import cli as auth_cli
from gridgov.auth.passwords import DEMO_PASSWORD
from gridgov.case import cli as case_cli
from gridgov.case.catalogue import save_taxonomy
from gridgov.case.taxonomy import default_taxonomy
from gridgov.config import adopt_listen_address, get_settings
from gridgov.configdata.service import DocumentKind, load_document, save_document
from gridgov.db import Database
from gridgov.demo.builder import build
from gridgov.demo.history import build_history
from gridgov.errors import AppError
from gridgov.evaluation import cli as evaluation_cli
from gridgov.evaluation.tasks import award_past_months
from gridgov.geo import cli as geo_cli
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, fail, migrated, set_opener
from gridgov.kit.time import utcnow
from gridgov.migrate import upgrade
from gridgov.module import enabled
from gridgov.notify.channels import ChannelsNotConfigured, senders_from_settings
from gridgov.org import cli as org_cli
from gridgov.org.models import OrgNode
from gridgov.registry import cli as registry_cli
from gridgov.sensing import cli as sensing_cli
from gridgov.sensing.claims import BIND_ENV, demo_bind

app = typer.Typer(help="gridgov 基层智治平台", no_args_is_help=True)
groups = Groups(app)
MODULES = enabled(get_settings().modules)


def _open(audited: bool) -> Database:
    """The configured database, migrated to the heads of the core and the enabled modules; what a command
    writes is audited (as ``CLI_ACTOR`` where the command says so). The demo's synthetic county is seed data
    and is not."""
    if audited:
        install_audit()
    settings = get_settings()
    database = Database.from_url(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    upgrade(database.engine, modules=MODULES)
    return database


set_opener(_open)


@app.command()
def init() -> None:
    """Create or migrate the database to the latest schema (创建/升级数据库)."""
    database = migrated()
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
            figures: dict[str, object] = {}
            for module in MODULES:
                if module.demo is not None:
                    bar.update(task, description=module.title)
                    figures |= module.demo(session, seed)
            bar.update(task, description="案件历史 (six months of cases)")
            history = build_history(session, default_taxonomy(), now=utcnow(), seed=seed)
            bar.update(task, description="月度评价与红黄旗 (monthly flags)")
            flags = award_past_months(session, utcnow(), history.months)
    table = Table(title="富阳区 (330111) 演示县 — real outline, names and codes; synthetic polygons and people")
    for key in ("townships", "villages", "grids", "units", "people", "responsible", "grid_members"):
        table.add_row(key, str(getattr(summary, key)))
    for key, value in figures.items():
        table.add_row(key, str(value))
    table.add_row("cases (history)", f"{history.cases} ({history.open} open, {history.events} events)")
    table.add_row("flags (红旗/黄旗)", f"{flags} over {history.months} months")
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
    if serve_app:
        _check_listen(host, port)
    database = migrated(audited=False)
    if not _build_demo(database, seed):
        console.print("demo county already present; serving it")
    database.engine.dispose()
    if not serve_app:
        return
    _demo_broker()
    console.print(
        f"\n[bold]gridgov[/bold] → http://{host}:{port}/   login: [bold]admin[/bold] / [bold]{DEMO_PASSWORD}[/bold]"
        f"   (also dispatcher, leader, fuchun, wanshi, handler, grid)\n"
    )
    uvicorn.run("gridgov.asgi:app", host=host, port=port, log_level="warning", proxy_headers=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (stateless; share the database)")] = 1,
) -> None:
    """Serve the application (运行服务)."""
    _check_listen(host, port)
    console.print(f"gridgov → http://{host}:{port}/")
    uvicorn.run("gridgov.asgi:app", host=host, port=port, workers=workers, log_level="warning", proxy_headers=False)


def _demo_broker() -> None:
    """The demo's embedded MQTT broker moves to a free port when another program holds the configured one (a
    Mosquitto on 1883), and says so; an explicit GRIDGOV_MQTT_EMBEDDED_BIND or GRIDGOV_MQTT_URL is left alone."""
    settings = get_settings()
    if settings.mqtt_url or os.environ.get(BIND_ENV):
        return
    bind, moved = demo_bind(settings.data_dir, settings.mqtt_embedded_bind)
    if moved:
        os.environ[BIND_ENV] = bind
        get_settings.cache_clear()  # the app reads the settings afresh
        console.print(
            f"[yellow]![/yellow] MQTT 端口 {settings.mqtt_embedded_bind} 已被其他程序占用，内置代理改用 {bind} "
            f"(port taken by another program; the embedded broker listens on {bind}; simulate storm finds it)"
        )


def _check_listen(host: str, port: int) -> None:
    """Refuse to start, in one line, what would fail or be unsafe: beyond loopback with the public development
    secret; production without the gateways that reach phones. Forwarded headers are the app's to judge
    (GRIDGOV_TRUSTED_PROXIES), so uvicorn's own proxy layer (which trusts loopback) is off."""
    settings = get_settings()
    try:
        settings.check_listen(host)
        senders_from_settings(settings)
    except (ValueError, ChannelsNotConfigured) as exc:
        fail(str(exc))
    for warning in adopt_listen_address(host, port):  # 叫应 links follow --host/--port unless GRIDGOV_PUBLIC_URL
        console.print(f"[yellow]![/yellow] {warning}")


config_app = groups.group("config")


def _documents() -> dict[str, DocumentKind[Any]]:
    return core.documents(MODULES)


def _config_kind(key: str) -> DocumentKind[Any]:
    kind = _documents().get(key)
    if kind is None:
        fail(f"未知的配置 {key} (unknown document; known: {', '.join(sorted(_documents()))})")
        raise typer.Exit(1)
    return kind


@config_app.command("list")
def config_list() -> None:
    """Every configuration document of the core and the enabled modules: key, schema, whether edited (配置清单)."""
    database = migrated(audited=False)
    table = Table(title="配置文档 (configuration documents)")
    for column in ("key", "schema", "default", "in use"):
        table.add_column(column)
    with database.session() as session:
        from gridgov.configdata.repository import ConfigRepository

        repo = ConfigRepository(session)
        for key, kind in sorted(_documents().items()):
            version = repo.version(key)
            in_use = "default" if version is None else f"edited (v{version})"
            table.add_row(key, kind.model.__name__, f"{kind.package}:{kind.filename}", in_use)
    console.print(table)


def import_config(
    key: Annotated[str, typer.Argument(help="Document key, e.g. case.routing")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".yaml")],
) -> None:
    """Load a configuration document (e.g. the case routing rules 派遣规则) from YAML; validated first."""
    kind = _config_kind(key)
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            save_document(session, kind, yaml.safe_load(file.read_text("utf-8")))
    except (AppError, yaml.YAMLError) as exc:
        fail(exc.message if isinstance(exc, AppError) else f"YAML: {exc}")
        return
    console.print(f"[green]✓[/green] {key} loaded")


def export_config(
    key: Annotated[str, typer.Argument(help="Document key, e.g. case.routing")],
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .yaml")],
) -> None:
    """Write a configuration document in use (the database's edit, else the shipped default) as YAML."""
    kind = _config_kind(key)
    database = migrated()
    with database.session() as session:
        document = load_document(session, kind)
    file.write_text(yaml.safe_dump(document.model_dump(mode="json"), allow_unicode=True, sort_keys=False), "utf-8")
    console.print(f"[green]✓[/green] wrote {file}")


for _package in (org_cli, auth_cli, geo_cli, case_cli, sensing_cli, evaluation_cli, registry_cli):
    _package.register(groups)
groups.group("import").command("config")(import_config)
groups.group("export").command("config")(export_config)
for _module in MODULES:
    if _module.cli is not None:
        _module.cli(groups)


if __name__ == "__main__":
    app()
