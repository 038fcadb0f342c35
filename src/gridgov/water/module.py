"""The water-resources module (水资源, seed 003 南浔) as the application installs it: the intake registry,
the meters' three rates (三率) and their indicators, monthly plans with their bills and 用水进度提醒函 (a monthly
pass), and the SL 651-2014 telemetry receiver (``GRIDGOV_SL651_PORT``)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from gridgov.module import Migrations, Module, NavEntry, Service
from gridgov.org.enums import STAFF_ROLES
from gridgov.water import api, cli, pages, tasks
from gridgov.water.demo import demo
from gridgov.water.documents import FOLLOW_UP, PLANS, RATES, SURCHARGE
from gridgov.water.indicators import PROVIDER
from gridgov.water.panel import PANEL
from gridgov.water.sl651_ingest import receivers


def services(app: FastAPI) -> Sequence[Service]:
    """The SL 651 receiver (when its port is set) and the hourly follow-up pass."""
    return [*receivers(app), *tasks.jobs(app)]


module = Module(
    name="water",
    title="水资源 (water resources)",
    package="gridgov.water",
    api=(api.router,),
    routers=(pages.router,),
    nav=(NavEntry("/water", "nav.water", order=75, roles=STAFF_ROLES),),
    models=("gridgov.water.models",),
    migrations=Migrations("gridgov.water.migrations"),
    documents=(RATES, FOLLOW_UP, SURCHARGE, PLANS),
    permissions={api.PLAN: "管理用水计划(设置、导入)"},
    grants=dict.fromkeys(("township_operator", "county_dispatcher", "department_handler", "admin"), (api.PLAN,)),
    translations="gridgov.water.i18n",
    templates="gridgov.water",
    jobs=services,
    cli=cli.register,
    demo=demo,
    indicators=(PROVIDER,),
    enterprise_panels=(PANEL,),
)
