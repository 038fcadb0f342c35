"""The enterprise-service module (企情记录本, 三服务, 亩均论英雄) as the application installs it: enterprise appeals on
the core case engine with colours, levels and return visits; key projects through their stages; the per-mu
evaluation of industrial enterprises with its A/B/C/D classes. Enterprises are the core registry's."""

from __future__ import annotations

from gridgov.enterprise_service import api, pages
from gridgov.enterprise_service.access import GRANTS, OWN, PERMISSIONS, READ
from gridgov.enterprise_service.demo import demo
from gridgov.enterprise_service.documents import APPEALS, PER_MU, PROJECTS
from gridgov.enterprise_service.panel import PANEL
from gridgov.module import Migrations, Module, NavEntry

module = Module(
    name="enterprise_service",
    title="企业服务 (enterprise service)",
    package="gridgov.enterprise_service",
    api=(api.router,),
    routers=(pages.router,),
    nav=(
        NavEntry("/enterprise-service", "nav.enterprise_service", permission=READ, order=80),
        NavEntry("/enterprise-service", "nav.enterprise_service_own", permission=OWN, order=15),
    ),
    models=("gridgov.enterprise_service.models",),
    migrations=Migrations("gridgov.enterprise_service.migrations"),
    documents=(APPEALS, PROJECTS, PER_MU),
    permissions=PERMISSIONS,
    grants=GRANTS,
    translations="gridgov.enterprise_service.i18n",
    templates="gridgov.enterprise_service",
    static="gridgov.enterprise_service",
    enterprise_panels=(PANEL,),
    demo=demo,
)
