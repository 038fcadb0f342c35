"""The module boundary: what a module (a seed system built on the core) declares, and how modules are found.

A module is one package that exposes one :class:`Module` object through the entry-point group
``gridgov.modules`` (``[project.entry-points."gridgov.modules"] warning = "gridgov.warning.module:module"``), so a
county can install a module of its own as a separate distribution. The application factory, the CLI, the schema,
the migrations, the nav, the role table, the translations, the configuration documents, the demo and the
evaluation loop over the modules found here; none of them names a module. ``GRIDGOV_MODULES`` lists the enabled
ones (default: every installed one): a disabled module has no routes, jobs, nav, indicators or documents, and
its tables are left as they are.

Layers: this file sits above the core (it names core types) and below the modules and the application.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session

from gridgov.configdata.service import DocumentKind
from gridgov.evaluation.providers import IndicatorProvider
from gridgov.evaluation.service import CockpitCounter
from gridgov.kit.cli import Groups
from gridgov.kit.principal import Principal
from gridgov.org.duty import DutyProvider, set_providers
from gridgov.registry.panels import EnterprisePanel as EnterprisePanel

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "gridgov.modules"


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str
    """A translation key (``nav.warnings``)."""
    permission: str | None = None
    """Shown only to users holding it; None: every signed-in user."""
    order: int = 100
    roles: frozenset[str] | None = None
    """Shown only to users holding one of these roles (besides ``permission``); None: any role."""

    def shown_to(self, user: Principal) -> bool:
        return (self.permission is None or user.can(self.permission)) and (
            self.roles is None or not self.roles.isdisjoint(user.roles)
        )


@dataclass(frozen=True)
class Migrations:
    """The module's own Alembic branch: a directory of revisions whose first one is labelled with the
    module's name and has no down revision (it ``depends_on`` the core revision whose tables it needs)."""

    package: str
    """Package holding the revision files, e.g. ``gridgov.warning.migrations``."""
    adopted: Mapping[str, str] = field(default_factory=dict)
    """Revision → a table it creates, for databases migrated before the module had its own branch: when the
    table is there and the revision is not recorded, it is recorded rather than run again."""


DemoBuilder = Callable[[Session, int], Mapping[str, object]]
"""Adds the module's demo data to a demo county that the core has just built (session, seed) → figures."""


class Service(Protocol):
    """Something an application starts and stops with itself: a periodic job (``kit.periodic.Periodic``), a
    listener on a port (a telemetry receiver)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


JobFactory = Callable[[FastAPI], Sequence[Service]]
"""Makes the module's periodic jobs and services for one application (started and stopped with it)."""


@dataclass(frozen=True)
class Module:
    name: str
    """Short name: the branch label of its migrations, its key in ``GRIDGOV_MODULES``, the prefix of its
    indicator and document keys."""
    title: str
    package: str
    api: Sequence[APIRouter] = ()
    """Routers mounted under ``/api/v1``."""
    routers: Sequence[APIRouter] = ()
    """Routers mounted at the root: pages, public feeds."""
    nav: Sequence[NavEntry] = ()
    jobs: JobFactory | None = None
    models: Sequence[str] = ()
    """Modules defining its tables (imported so that the schema knows them)."""
    migrations: Migrations | None = None
    documents: Sequence[DocumentKind[Any]] = ()
    """Configuration documents, each with its schema (the pydantic model) and shipped default."""
    permissions: Mapping[str, str] = field(default_factory=dict)
    """Permission → label."""
    grants: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Role → the module's permissions it grants."""
    translations: str | None = None
    """Package holding ``zh-CN.json`` and ``en.json``."""
    templates: str | None = None
    """Package whose ``templates/`` directory holds the module's page templates."""
    static: str | None = None
    """Package whose ``static/`` directory is served at ``/static/<name>/`` (the module's scripts and styles)."""
    cli: Callable[[Groups], None] | None = None
    """Adds the module's commands to the command tree (``groups.group("import").command("zones")(…)``)."""
    demo: DemoBuilder | None = None
    indicators: Sequence[IndicatorProvider] = ()
    cockpit: Mapping[str, CockpitCounter] = field(default_factory=dict)
    duty: DutyProvider | None = None
    """Answers "who is on duty at post X / for area Y at time t" (``gridgov.org.duty.on_duty``) from its rosters."""
    enterprise_panels: Sequence[EnterprisePanel] = ()
    """Panels on the registry's enterprise page, in order (see ``gridgov/registry/README.md``)."""


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)


@lru_cache
def installed() -> tuple[Module, ...]:
    """Every module installed in this environment (whatever ``GRIDGOV_MODULES`` says)."""
    found: list[Module] = []
    for entry in _entry_points():
        module = entry.load()
        if not isinstance(module, Module):
            raise TypeError(f"entry point {entry.name} = {entry.value} is not a gridgov.module.Module")
        if module.name != entry.name:
            raise ValueError(f"entry point {entry.name} names module {module.name!r}")
        found.append(module)
    return tuple(found)


def enabled(selection: str | None) -> tuple[Module, ...]:
    """The installed modules that ``selection`` (comma-separated names; None or ``*``: all) enables.
    Naming a module that is not installed is an error, so a typo does not silently drop a module."""
    modules = installed()
    if selection is None or selection.strip() in ("", "*"):
        return modules
    names = [n.strip() for n in selection.split(",") if n.strip()]
    known = {m.name for m in modules}
    unknown = [n for n in names if n not in known and n != "none"]
    if unknown:
        raise ValueError(f"GRIDGOV_MODULES: 未安装的模块 {unknown} (not installed; installed: {sorted(known)})")
    return tuple(m for m in modules if m.name in names)


def clear() -> None:
    """Forget what was discovered (tests that install a module on the fly)."""
    installed.cache_clear()


def activate(modules: Sequence[Module]) -> None:
    """Merge the modules' translations and role grants into the core's (idempotent); register their duty
    providers (only these modules answer ``gridgov.org.duty.on_duty``)."""
    from gridgov.auth.permissions import add_grants
    from gridgov.i18n import add_catalogues
    from gridgov.web.templating import add_templates

    for module in modules:
        if module.translations:
            add_catalogues(module.translations)
        if module.templates:
            add_templates(str(resources.files(module.templates).joinpath("templates")))
        if module.permissions or module.grants:
            add_grants(module.permissions, module.grants)
    set_providers({m.name: m.duty for m in modules if m.duty is not None})
