"""The village and community affairs module (seed 000 吴兴/新市, 003 余杭, 001 洪桥) as the application installs it."""

from __future__ import annotations

from gridgov.module import Migrations, Module
from gridgov.village.demo import demo
from gridgov.village.documents import ASSESSMENT, ECONOMY, SERVICES

module = Module(
    name="village",
    title="村社事务 (village and community affairs)",
    package="gridgov.village",
    models=("gridgov.village.models",),
    migrations=Migrations("gridgov.village.migrations"),
    documents=(ECONOMY, ASSESSMENT, SERVICES),
    demo=demo,
    translations="gridgov.village.i18n",
    templates="gridgov.village",
)
