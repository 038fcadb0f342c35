"""The core as the application assembles it: its routers, pages, nav, periodic jobs and configuration documents.

The modules (``gridgov.module``) add theirs beside these; nothing here names a module."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI

from gridgov.audit import api as audit_api
from gridgov.auth import api as auth_api
from gridgov.auth import pages as auth_pages
from gridgov.case import api as case_api
from gridgov.case import open311
from gridgov.case import pages as case_pages
from gridgov.case.catalogue import ROUTING
from gridgov.case.tasks import sweep
from gridgov.config import Settings
from gridgov.configdata.service import DocumentKind
from gridgov.evaluation import api as evaluation_api
from gridgov.evaluation import pages as evaluation_pages
from gridgov.evaluation import provided_api as evaluation_provided
from gridgov.evaluation import records_api as evaluation_records
from gridgov.evaluation.documents import DOCUMENTS as EVALUATION_DOCUMENTS
from gridgov.evaluation.tasks import catch_up_facts, monthly_run
from gridgov.geo import api as geo_api
from gridgov.i18n import add_catalogues
from gridgov.kit.periodic import Periodic
from gridgov.module import Module, NavEntry
from gridgov.notify import api as notify_api
from gridgov.notify import pages as notify_pages
from gridgov.notify.service import ESCALATION
from gridgov.notify.tasks import deliver_queued, escalate_alerts
from gridgov.org import api as org_api
from gridgov.org import pages as org_pages
from gridgov.org import transfer_api
from gridgov.registry import api as registry_api
from gridgov.registry import pages as registry_pages
from gridgov.registry.documents import DOCUMENTS as REGISTRY_DOCUMENTS
from gridgov.sensing import api as sensing_api
from gridgov.sensing import sensorthings
from gridgov.sensing.service import LIMITS
from gridgov.web import pages as shell_pages
from gridgov.web.templating import add_templates

API: tuple[APIRouter, ...] = (
    auth_api.router,
    org_api.router,
    geo_api.router,
    transfer_api.router,
    audit_api.router,
    case_api.router,
    notify_api.router,
    sensing_api.router,
    sensorthings.router,
    evaluation_api.router,
    evaluation_records.router,
    evaluation_provided.router,
    registry_api.router,
)
ROUTERS: tuple[APIRouter, ...] = (
    open311.router,
    shell_pages.router,
    auth_pages.router,
    org_pages.router,
    case_pages.router,
    notify_pages.router,
    evaluation_pages.router,
    evaluation_records.pages,
    evaluation_provided.pages,
    registry_pages.router,
)
MANAGERS = frozenset({"admin", "county_dispatcher", "leader", "township_operator", "village_cadre"})
"""Roles that oversee an area (the org tree, its people, the cockpit and the evaluation)."""
DESK = MANAGERS | {"department_handler"}
NAV: tuple[NavEntry, ...] = (
    NavEntry("/my", "nav.my_tasks", order=5, roles=frozenset({"grid_member"})),
    NavEntry("/inbox", "nav.inbox", order=8),
    NavEntry("/cockpit", "nav.cockpit", order=10, roles=MANAGERS - {"village_cadre"}),
    NavEntry("/cases", "nav.cases", order=20, roles=DESK),
    NavEntry("/cases", "nav.my_cases", order=20, roles=frozenset({"grid_member"}) - DESK),
    NavEntry("/report", "nav.report", order=25, roles=frozenset({"grid_member", "village_cadre", "township_operator"})),
    NavEntry("/org", "nav.org", permission="org:read", order=30, roles=MANAGERS),
    NavEntry("/people", "nav.people", permission="people:read", order=35, roles=MANAGERS),
    NavEntry("/registry/enterprises", "nav.registry", permission="registry.read", order=40),
    NavEntry("/evaluation", "nav.evaluation", order=50, roles=MANAGERS - {"village_cadre"}),
    NavEntry("/admin/taxonomy", "nav.admin", permission="data:export", order=900),
    NavEntry("/docs", "nav.api", order=990, roles=frozenset({"admin"})),
)
# the registry keeps its page strings and templates in its own package (gridgov/registry/{i18n,templates})
add_catalogues("gridgov.registry.i18n")
add_templates(str(resources.files("gridgov.registry").joinpath("templates")))
DOCUMENTS: tuple[DocumentKind[Any], ...] = (ROUTING, ESCALATION, LIMITS, *EVALUATION_DOCUMENTS, *REGISTRY_DOCUMENTS)


def jobs(app: FastAPI) -> Sequence[Periodic]:
    """The overdue sweep, the evaluation's catch-up and monthly run, and the notification round."""
    settings: Settings = app.state.settings
    state = app.state
    found = []
    if settings.sweep_seconds > 0:
        found += [
            Periodic("overdue-sweep", settings.sweep_seconds, lambda: sweep(state.db, state.clock(), state.calendar)),
            Periodic("evaluation-monthly", 3600, lambda: monthly_run(state.db, state.clock(), state.indicators)),
            Periodic("evaluation-facts", 60, lambda: catch_up_facts(state.db, state.clock())),
        ]
    if settings.notify_seconds > 0:

        def notify_round() -> int:
            """Escalate unanswered alerts whose time has come, then send what is queued."""
            fired = escalate_alerts(state.db, state.clock(), settings)
            return fired + deliver_queued(state.db, state.senders, state.clock(), settings)

        found.append(Periodic("notify", settings.notify_seconds, notify_round))
    return found


def documents(modules: Sequence[Module]) -> dict[str, DocumentKind[Any]]:
    """Every configuration document of the core and of ``modules``, by key."""
    kinds = [*DOCUMENTS, *(kind for module in modules for kind in module.documents)]
    return {kind.key: kind for kind in kinds}
