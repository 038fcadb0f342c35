"""The water-resources module (水资源, seed 003 南浔) as the application installs it: the intake registry,
the meters' three rates (三率) and their indicators, and the SL 651-2014 telemetry receiver (``GRIDGOV_SL651_PORT``)."""

from __future__ import annotations

from gridgov.module import Migrations, Module, NavEntry
from gridgov.water import api, cli, pages
from gridgov.water.demo import demo
from gridgov.water.documents import RATES
from gridgov.water.indicators import PROVIDER
from gridgov.water.panel import PANEL
from gridgov.water.sl651_ingest import receivers

module = Module(
    name="water",
    title="水资源 (water resources)",
    package="gridgov.water",
    api=(api.router,),
    routers=(pages.router,),
    nav=(NavEntry("/water", "nav.water", order=75),),
    models=("gridgov.water.models",),
    migrations=Migrations("gridgov.water.migrations"),
    documents=(RATES,),
    translations="gridgov.water.i18n",
    templates="gridgov.water",
    jobs=receivers,
    cli=cli.register,
    demo=demo,
    indicators=(PROVIDER,),
    enterprise_panels=(PANEL,),
)
