"""The enterprise-service demo on the demo county, everything marked synthetic (模拟):

* 60 industrial enterprises in the core registry (kept if another module already made them) and two years of
  亩均 figures: 40 above scale, 20 below (some on less than 3 亩, one not in production), a few without
  emission data (they take the average item score), two with a figure missing (not classified), one vetoed;
* seed 001 (霞浦 三服务): 7 key industrial and 8 real-estate projects, two of them late (one yellow, one red),
  the red one with a blocker raised as an appeal;
* seed 003 (衢州 企情记录本): a red appeal routed to the county (its case's time limit passes and the core
  escalates it once), a green one solved by the township's power station and closed by a satisfied return
  visit, a yellow one reopened by an unsatisfied return visit, a recoloured one and a few open ones;
* an enterprise account ``qiye`` (password as the demo's) that sees only its own enterprise's appeals.

The figures returned are computed by the services users run."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.auth.models import Account
from gridgov.auth.passwords import DEMO_PASSWORD
from gridgov.auth.security import hash_password
from gridgov.case.models import Case
from gridgov.case.schemas import CaseAction
from gridgov.case.service import CaseService
from gridgov.case.workflow import Action
from gridgov.demo.people import synthetic_name, synthetic_phone
from gridgov.enterprise_service.access import Reader
from gridgov.enterprise_service.models import EnterpriseAccount, PerMuFigures, Project, ProjectStage
from gridgov.enterprise_service.per_mu import PerMuService
from gridgov.enterprise_service.projects import ProjectService
from gridgov.enterprise_service.rules import Colour
from gridgov.enterprise_service.schemas import AppealCreate
from gridgov.enterprise_service.service import AppealService, county_path
from gridgov.geo.service import geo_service
from gridgov.kit.principal import Principal, system_principal
from gridgov.kit.time import utcnow
from gridgov.org.enums import NodeKind, Role
from gridgov.org.models import OrgNode, Person, RoleAssignment
from gridgov.registry.credit_code import generate
from gridgov.registry.models import Enterprise
from gridgov.registry.schemas import EnterpriseCreate
from gridgov.registry.service import RegistryService

ENTERPRISES, ABOVE_SCALE = 60, 40
INDUSTRIES = [
    ("C3670", "汽车零部件"),
    ("C3130", "钢压延"),
    ("C2651", "化工新材料"),
    ("C3421", "机械装备"),
    ("C3841", "锂电池"),
    ("C2231", "纸业"),
    ("C1751", "纺织"),
    ("C3311", "金属结构"),
]
INDUSTRIAL = [
    "汽配产业园",
    "高端装备制造基地",
    "锂电池储能工厂",
    "ABS新材料",
    "精密零部件智造",
    "绿色炼胶中心",
    "现代物流中心",
]
REAL_ESTATE = [
    "凤凰城一期",
    "凤凰城二期",
    "未来社区安置房",
    "滨江商住综合体",
    "新城人才公寓",
    "老城更新片区",
    "自贸区总部基地",
    "临港商务中心",
]


def _enterprises(session: Session, rng: np.random.Generator, county: str) -> list[Enterprise]:
    villages: list[tuple[str, str, float, float]] = list(
        session.execute(
            select(OrgNode.code, OrgNode.name, OrgNode.centroid_lon, OrgNode.centroid_lat)
            .where(
                OrgNode.kind == NodeKind.village.value,
                OrgNode.centroid_lon.is_not(None),
                OrgNode.centroid_lat.is_not(None),
            )
            .order_by(OrgNode.code)
        )
    )
    codes = [generate(county[:6], 61_000_000 + i * 7919) for i in range(ENTERPRISES)]
    found: list[Enterprise] = []
    registry = RegistryService(session)
    for index, code in enumerate(codes):
        for attempt in range(len(villages)):
            _, name, lon, lat = villages[(index * 7 + attempt * 13) % len(villages)]
            path = geo_service.locate_paths(session, [lon], [lat])[0]
            if path is not None:
                break
        else:
            raise RuntimeError("no village centroid lies inside the county")
        industry, product = INDUSTRIES[index % len(INDUSTRIES)]
        village = name.removesuffix("村").removesuffix("社区")
        above = index < ABOVE_SCALE
        data = EnterpriseCreate(
            credit_code=code,
            name=f"{village}{product}有限公司{index + 1:02d}（模拟）",
            industry_code=industry,
            park="富阳经济技术开发区" if index % 3 == 0 else None,
            address=f"{name}工业区{index + 1}号",
            lon=lon,
            lat=lat,
            land_area_m2=round(float(rng.uniform(20, 160) if above else rng.uniform(1.5, 20)) * 666.67, 1),
            employees=int(rng.integers(80, 900) if above else rng.integers(8, 80)),
            capacity_kva=float(rng.choice([630, 1250, 2500, 5000])),
            contact_name=synthetic_name(rng),
            contact_phone=synthetic_phone(8_000_000 + index),
        )
        enterprise = registry.ensure_enterprise(None, data, synthetic=True)
        found.append(enterprise)
    session.flush()
    return found


def _figures(session: Session, rng: np.random.Generator, enterprises: list[Enterprise], year: int) -> None:
    """Two years of figures; the year before is scaled back by a few percent (so classes move a little)."""
    for back, factor in ((1, 0.93), (0, 1.0)):
        for index, e in enumerate(enterprises):
            above = index < ABOVE_SCALE
            land = round((e.land_area_m2 or 0) / 666.67, 2)
            strength = float(rng.lognormal(0, 0.45)) * (factor if index % 4 else 2 - factor)
            value_added = round(land * 60 * strength, 1) if above else None
            session.add(
                PerMuFigures(
                    enterprise_id=e.id,
                    year=year - back,
                    above_scale=above,
                    in_production=index != ENTERPRISES - 1,
                    veto="重大安全生产事故(模拟)" if index == 7 and back == 0 else None,
                    tax=round(land * 12 * strength * float(rng.uniform(0.7, 1.3)), 1),
                    value_added=value_added,
                    land_mu=land,
                    energy_tce=round(value_added / float(rng.uniform(1.5, 4.0)), 1)
                    if value_added and not (index == 11 and back == 0)
                    else None,
                    emission_t=round(value_added / float(rng.uniform(3000, 7000)), 3)
                    if value_added and index % 13 != 5
                    else None,
                    employees=float(e.employees or 0),
                    rd=round(float(rng.uniform(0.005, 0.05)) * land * 300 * strength, 1) if above else None,
                    revenue=round(land * 300 * strength, 1),
                    electricity_mwh=round(land * float(rng.uniform(30, 120)), 1),
                )
            )
    session.flush()


def _projects(session: Session, enterprises: list[Enterprise], today: date, now: datetime) -> list[Project]:
    stages = ("sign", "land", "approve", "start", "complete", "produce", "full")
    projects: list[Project] = []
    for index, name in enumerate([*INDUSTRIAL, *REAL_ESTATE]):
        industrial = index < len(INDUSTRIAL)
        owner = enterprises[index * 3]
        project = Project(
            code=f"XP-{'GY' if industrial else 'FC'}-{index + 1:02d}",
            name=f"{name}项目（模拟）",
            kind="industrial" if industrial else "real_estate",
            investor=owner.name if industrial else f"{name}置业有限公司（模拟）",
            amount_wan=float(50_000 + index * 12_000),
            land_mu=float(60 + index * 15),
            team=f"{name}项目专班",
            leader=f"{'副区长' if index % 2 else '街道党工委书记'}（模拟）",
            enterprise_id=owner.id,
            township_code=owner.township_code,
            path=owner.path,
            lon=owner.lon or 120.0,
            lat=owner.lat or 30.0,
            synthetic=True,
            created_at=now,
            updated_at=now,
        )
        session.add(project)
        session.flush()
        start = today - timedelta(days=400 - index * 20)
        done = 2 + index % 4  # stages finished so far
        for number, code in enumerate(stages):
            planned = start + timedelta(days=90 * number)
            actual = planned + timedelta(days=index % 3 * 5) if number < done else None
            if index == 2 and number == done:  # late: yellow
                planned = today - timedelta(days=12)
            if index == 9 and number == done:  # late: red
                planned = today - timedelta(days=75)
            if number >= done and index not in (2, 9):
                planned = max(planned, today + timedelta(days=30 * (number - done + 1)))
            session.add(ProjectStage(project_id=project.id, stage=code, planned=planned, actual=actual, note=""))
        projects.append(project)
    session.flush()
    return projects


def _actor(name: str, roles: set[str], scope: str, units: set[int] = frozenset()) -> Principal:  # type: ignore[assignment]
    return Principal(None, None, "system", name, frozenset(roles), frozenset(), (scope,), frozenset(units))


def _act(session: Session, at: datetime, actor: Principal, case: Case, *steps: tuple[Action, str]) -> None:
    cases = CaseService(session, clock=lambda: at)
    for action, comment in steps:
        cases.act(actor, case.number, CaseAction(action=action, comment=comment))


def _appeals(session: Session, enterprises: list[Enterprise], projects: list[Project], now: datetime) -> dict[str, Any]:
    county = county_path(enterprises[0].path)
    manager = system_principal("客户经理(模拟)", county, frozenset({"grid_member"}))
    staff = Reader(manager, None)
    dispatcher = system_principal("区社会治理中心(模拟)", county)

    def record(at: datetime, enterprise: Enterprise, **fields: Any) -> tuple[Any, Case]:
        service = AppealService(session, clock=lambda: at)
        appeal = service.record(manager, staff, AppealCreate(enterprise_id=enterprise.id, **fields))
        return appeal, session.get_one(Case, appeal.case_id)

    def unit_of(case: Case) -> set[int]:
        return {case.unit_id} if case.unit_id else set()

    # red: the 110 kV supply would come two months late (seed 003's story), routed to the county
    red_at = now - timedelta(days=40)
    red, red_case = record(
        red_at,
        enterprises[4],
        category="power",
        impact=3,
        urgency=3,
        shared=1,
        title="110千伏供电投运晚于调试用电两个月",
        description="企业4月调试用电，110千伏供电最快6月底投运，影响订单排期；请求过渡供电方案。",
    )
    _act(
        session,
        red_at + timedelta(hours=2),
        dispatcher,
        red_case,
        (Action.file, "红码吹哨，区级协调"),
        (Action.dispatch, "派区供电公司牵头，发改、经信配合"),
    )
    overdue = CaseService(session, clock=lambda: now)
    escalated = overdue.escalate_overdue(red_case, now) if red_case.deadline_at and red_case.deadline_at < now else ""

    # green: solved by the township's power station, closed by a satisfied return visit
    green_at = now - timedelta(days=9)
    green, green_case = record(
        green_at,
        enterprises[12],
        category="power",
        impact=1,
        urgency=1,
        shared=1,
        title="厂区低压线路老化需改造",
        description="厂区西侧低压线路老化，申请供电所上门检查改造。",
    )
    township = system_principal("乡镇四平台(模拟)", county, frozenset({"township_operator"}))
    _act(
        session,
        green_at + timedelta(hours=1),
        township,
        green_case,
        (Action.file, "绿码，供电所办理"),
        (Action.dispatch, "派供电所"),
    )
    station = _actor("供电所(模拟)", {"department_handler"}, county, unit_of(green_case))
    _act(
        session,
        green_at + timedelta(days=1),
        station,
        green_case,
        (Action.accept, ""),
        (Action.feedback, "已更换低压线路 120 米"),
    )
    AppealService(session, clock=lambda: green_at + timedelta(days=3)).return_visit(
        manager, staff, green.id, 5, "企业表示满意"
    )

    # yellow: closed, then reopened by an unsatisfied return visit
    yellow_at = now - timedelta(days=20)
    yellow, yellow_case = record(
        yellow_at,
        enterprises[20],
        category="approval",
        impact=2,
        urgency=1,
        shared=1,
        title="技改项目环评审批进度慢",
        description="技改项目环评审批已逾一个月，影响设备进场。",
    )
    _act(
        session,
        yellow_at + timedelta(hours=1),
        dispatcher,
        yellow_case,
        (Action.file, "黄码，县级部门协调"),
        (Action.dispatch, ""),
    )
    handler = _actor("县级部门(模拟)", {"department_handler"}, county, unit_of(yellow_case))
    _act(
        session,
        yellow_at + timedelta(days=2),
        handler,
        yellow_case,
        (Action.accept, ""),
        (Action.feedback, "已协调召开审批专题会"),
    )
    _act(session, yellow_at + timedelta(days=3), dispatcher, yellow_case, (Action.verify_pass, ""), (Action.close, ""))
    AppealService(session, clock=lambda: yellow_at + timedelta(days=5)).return_visit(
        manager, staff, yellow.id, 2, "企业反映审批仍未出结果"
    )

    # recoloured: recorded green, raised to yellow with a reason (five enterprises share it after all)
    shared_at = now - timedelta(days=2)
    shared, _ = record(
        shared_at,
        enterprises[30],
        category="labour",
        impact=1,
        urgency=2,
        shared=1,
        title="园区缺少技工",
        description="数控技工招聘困难。",
    )
    AppealService(session, clock=lambda: shared_at + timedelta(hours=3)).recolour(
        manager, staff, shared.id, Colour.yellow, "园区另有4家企业反映同样问题，需人社部门统筹"
    )
    for offset, (index, category, title) in enumerate(
        [
            (33, "finance", "技改贷款贴息申请"),
            (36, "policy", "研发费用补助兑现"),
            (39, "infrastructure", "厂区道路积水"),
        ]
    ):
        record(
            now - timedelta(days=offset + 1),
            enterprises[index],
            category=category,
            impact=1 + offset % 2,
            urgency=1,
            shared=1,
            title=title,
            description=f"{title}，请协调。",
        )

    # a blocker of the red (late) project, raised as an appeal linked to it
    late = projects[9]
    blocker = AppealService(session, clock=lambda: now - timedelta(days=6)).record(
        manager,
        staff,
        AppealCreate(
            enterprise_id=late.enterprise_id or enterprises[27].id,
            category="land",
            title="供地红线调整未批复",
            description=f"[{late.code}] 供地红线调整未批复，影响开工。",
            impact=2,
            urgency=3,
        ),
        project_id=late.id,
    )
    for index in (4, 12, 20):
        AppealService(session, clock=lambda: now - timedelta(days=1)).visit(
            manager, staff, enterprises[index].id, "走访：了解用电需求和生产计划"
        )
    return {
        "red_appeal": red_case.number,
        "red_escalation": escalated,
        "green_appeal": green_case.number,
        "reopened_appeal": yellow_case.number,
        "blocker_appeal": blocker.id,
    }


def _enterprise_account(session: Session, enterprise: Enterprise, now: datetime) -> None:
    if session.scalar(select(Account.id).where(Account.username == "qiye")) is not None:
        return
    codes = enterprise.path.strip("/").split("/")
    node = session.scalars(
        select(OrgNode).where(OrgNode.code.in_(codes)).order_by(func.length(OrgNode.path).desc())
    ).first()
    if node is None:
        return
    person = Person(
        name=f"{enterprise.name}联系人",
        phone=synthetic_phone(8_100_000),
        active=True,
        synthetic=True,
        created_at=now,
        updated_at=now,
    )
    person.roles = [RoleAssignment(role=Role.enterprise.value, node_id=node.id)]
    session.add(person)
    session.flush()
    account = Account(person_id=person.id, username="qiye", password_hash=hash_password(DEMO_PASSWORD), active=True)
    session.add(account)
    session.flush()
    session.add(EnterpriseAccount(account_id=account.id, enterprise_id=enterprise.id))
    session.flush()


def build_enterprise_service(session: Session, seed: int = 20240601, now: datetime | None = None) -> dict[str, Any]:
    rng = np.random.default_rng(seed + 14)
    now = now or utcnow()
    county = session.scalars(select(OrgNode.code).where(OrgNode.kind == NodeKind.county.value)).first() or "330111"
    enterprises = _enterprises(session, rng, county)
    year = now.year - 1
    _figures(session, rng, enterprises, year)
    projects = _projects(session, enterprises, now.date(), now)
    figures = _appeals(session, enterprises, projects, now)
    _enterprise_account(session, enterprises[4], now)
    everyone = Reader(system_principal("demo", county_path(enterprises[0].path)), None)
    per_mu = PerMuService(session)
    counts = per_mu.listing(everyone, year, limit=0).counts
    colours = [v.colour.value for v in ProjectService(session, clock=lambda: now).search(everyone)]
    return {
        "enterprises": len(enterprises),
        "per_mu_year": year,
        "per_mu_classes": counts,
        "projects": len(projects),
        "projects_yellow": colours.count("yellow"),
        "projects_red": colours.count("red"),
        **figures,
    }


def demo(session: Session, seed: int) -> dict[str, object]:
    return build_enterprise_service(session, seed)
