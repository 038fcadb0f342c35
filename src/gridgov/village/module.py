"""The village and community affairs module (seed 000 吴兴/新市, 003 余杭, 001 洪桥) as the application installs it."""

from __future__ import annotations

from gridgov.module import Migrations, Module, NavEntry
from gridgov.village import api, pages
from gridgov.village.demo import demo
from gridgov.village.documents import ASSESSMENT, ECONOMY, SERVICES
from gridgov.village.indicators import PROVIDER

STAFF = ("village_cadre", "township_operator", "county_dispatcher", "leader", "admin")

module = Module(
    name="village",
    title="村社事务 (village and community affairs)",
    package="gridgov.village",
    api=(api.router,),
    routers=(pages.router,),
    nav=(
        NavEntry("/village", "nav.village", permission=api.READ, order=80),
        NavEntry("/village/me", "nav.village_me", permission=api.RESIDENT, order=20),
    ),
    models=("gridgov.village.models",),
    migrations=Migrations("gridgov.village.migrations"),
    documents=(ECONOMY, ASSESSMENT, SERVICES),
    permissions={
        api.READ: "查看村社事务(集体经济、考核)",
        api.MANAGE: "管理村社事务(项目收益、活动、签到)",
        api.ASSESS: "录入村级班子考核得分",
        api.RESIDENT: "居民服务(预约、积分、报事报修、志愿岗)",
    },
    grants={
        **dict.fromkeys(STAFF, (api.READ,)),
        "township_operator": (api.READ, api.MANAGE, api.ASSESS),
        "admin": (api.READ, api.MANAGE, api.ASSESS),
        "resident": (api.RESIDENT,),
    },
    translations="gridgov.village.i18n",
    templates="gridgov.village",
    demo=demo,
    indicators=(PROVIDER,),
)
