"""The inspections and duty-rosters module (两类场所排查整改, 卡口值守) as the application installs it."""

from __future__ import annotations

from gridgov.inspection import api, pages
from gridgov.inspection.demo import demo
from gridgov.inspection.documents import PLANS, ROSTERS
from gridgov.inspection.indicators import PROVIDER as INDICATORS
from gridgov.inspection.rosters import PROVIDER as DUTY
from gridgov.module import Migrations, Module, NavEntry

READ, CHECK, MANAGE, SELF = api.READ, api.CHECK, api.MANAGE, api.SELF

module = Module(
    name="inspection",
    title="巡查与值守 (inspections and duty rosters)",
    package="gridgov.inspection",
    api=(api.router,),
    routers=(pages.router,),
    nav=(
        NavEntry("/inspections", "nav.inspections", READ, order=80),
        NavEntry("/rosters", "nav.rosters", READ, order=81),
    ),
    translations="gridgov.inspection.i18n",
    templates="gridgov.inspection",
    static="gridgov.inspection",
    models=("gridgov.inspection.models",),
    migrations=Migrations("gridgov.inspection.migrations"),
    documents=(PLANS, ROSTERS),
    permissions={
        READ: "查看场所排查、覆盖率与值守排班",
        CHECK: "录入场所检查",
        MANAGE: "生成排班、审批调班",
        SELF: "调班申请与到岗签到",
    },
    grants={
        "grid_member": [READ, CHECK, SELF],
        "village_cadre": [READ, CHECK, SELF],
        "township_operator": [READ, CHECK, MANAGE, SELF],
        "county_dispatcher": [READ, CHECK, MANAGE, SELF],
        "leader": [READ, CHECK, SELF],
        "department_handler": [READ],
        "admin": [READ, CHECK, MANAGE, SELF],
    },
    demo=demo,
    indicators=(INDICATORS,),
    duty=DUTY,
)
