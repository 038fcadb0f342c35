"""The park carbon steward module (园区碳管家, seed 000 上虞) as the application installs it."""

from __future__ import annotations

from gridgov.carbon import api, cli, pages
from gridgov.carbon.demo import demo
from gridgov.carbon.documents import FACTORS, SCORING
from gridgov.carbon.indicators import PROVIDER
from gridgov.carbon.panel import carbon_panel, grade_counts
from gridgov.module import EnterprisePanel, Migrations, Module, NavEntry

READ, WRITE = api.READ, api.WRITE

module = Module(
    name="carbon",
    title="园区碳管家 (park carbon steward)",
    package="gridgov.carbon",
    api=(api.router,),
    routers=(pages.router,),
    nav=(NavEntry("/carbon", "nav.carbon", permission=READ, order=78),),
    translations="gridgov.carbon.i18n",
    templates="gridgov.carbon",
    static="gridgov.carbon",
    models=("gridgov.carbon.models",),
    migrations=Migrations("gridgov.carbon.migrations"),
    documents=(FACTORS, SCORING),
    permissions={READ: "查看企业碳排放、综合评价与减排潜力", WRITE: "导入企业月度能耗与经济数据"},
    grants={
        "township_operator": [READ, WRITE],
        "county_dispatcher": [READ, WRITE],
        "leader": [READ],
        "department_handler": [READ],
        "admin": [READ, WRITE],
    },
    cli=cli.register,
    demo=demo,
    indicators=(PROVIDER,),
    cockpit={"carbon.cockpit.grades": grade_counts},
    enterprise_panels=(EnterprisePanel("carbon.index", "carbon.panel", "carbon/enterprise_panel.html", carbon_panel),),
)
