"""The village module's demo on the demo county (Fuyang): the seeds' institutions, with names invented where the
seeds give none (marked synthetic, 模拟).

* Collective economy (seed 000 新市): a timber market of two village cooperatives and a state development company
  (the Baibiao part: 30 %, giving 750,000 of the 2.5 million rent), a six-village standard factory (planned 90
  million, the development group covering the shortfall, expected rent 7.2 million) and a 强村公司 of 19 villages.
* Assessment (seed 001 洪桥): the 2022 set (11 月晒季考 + 20 annual common indicators, 85 individual tasks) in
  one township, its four quarters' and the year's scores, three cadres per village.
* Resident services (seeds 000 东柿, 003 仓前): a service centre with nine scenes, 7 community canteens and 32
  meal-assistance points with a week of 暖心志愿岗 shifts, activities, residents with points.

The figures returned are computed by the services users call (nothing is stored as a result)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.auth.models import Account
from gridgov.auth.passwords import DEMO_PASSWORD
from gridgov.auth.security import hash_password
from gridgov.demo.people import synthetic_id_number, synthetic_name, synthetic_phone
from gridgov.evaluation.periods import Period
from gridgov.kit.principal import system_principal
from gridgov.org.enums import NodeKind, Role
from gridgov.org.models import OrgNode, Person, RoleAssignment
from gridgov.registry.models import Place
from gridgov.village.economy import yuan
from gridgov.village.models import (
    Activity,
    Cadre,
    Collective,
    CollectiveIncome,
    Project,
    ProjectYear,
    Score,
    Shareholding,
    VolunteerShift,
)
from gridgov.village.services_assessment import AssessmentService, indicator_set, install_set
from gridgov.village.services_economy import EconomyService
from gridgov.village.services_residents import ResidentServices

PHONE_BASE = 9_300_000
"""Synthetic phones of the cadres and residents (other modules use 0.9, 7.0, 7.3, 8.0 and 8.1 million up)."""
YEAR = 2022
SCENES = [
    ("未来邻里客厅", 60),
    ("柿香书房", 40),
    ("亲子中心", 30),
    ("百姓健身房", 25),
    ("养老服务中心", 40),
    ("社区卫生服务站", 10),
    ("数字驾驶舱", 20),
    ("文化活动室", 50),
    ("共享会议室", 1),
]
"""The nine scenes (九大场景) of seed 000's 3,000 m² service centre; the capacities are synthetic."""
CANTEENS, MEAL_POINTS = 7, 32
"""仓前: 7 community canteens and 30-odd (30余个) new meal-assistance points."""


@dataclass(frozen=True)
class VillageSummary:
    timber_rent: str
    baibiao_dividend: str
    factory_planned: str
    factory_cover: str
    factory_rent: str
    joint_company_villages: int
    common_indicators: int
    monthly_indicators: int
    annual_indicators: int
    individual_tasks: int
    assessment_township: str
    q4_first: str
    canteens: int
    meal_points: int
    shifts_fully_staffed: str
    venues: int


def _townships(session: Session) -> list[tuple[OrgNode, list[OrgNode]]]:
    """Townships by their number of villages, most first."""
    townships = list(session.scalars(select(OrgNode).where(OrgNode.kind == NodeKind.township.value)))
    villages = list(session.scalars(select(OrgNode).where(OrgNode.kind == NodeKind.village.value)))
    found = [(t, sorted((v for v in villages if v.parent_id == t.id), key=lambda v: v.code)) for t in townships]
    return sorted(found, key=lambda tv: (-len(tv[1]), tv[0].code))


def _place(
    node: OrgNode, code: str, type_code: str, name: str, rng: np.random.Generator, attributes: dict[str, object]
) -> Place:
    lon, lat = node.centroid_lon or 119.95, node.centroid_lat or 30.05
    township = node.path.strip("/").split("/")[1]
    return Place(
        code=code,
        type_code=type_code,
        name=name,
        address=f"{node.name}（模拟地址）",
        lon=lon + float(rng.uniform(-0.002, 0.002)),
        lat=lat + float(rng.uniform(-0.002, 0.002)),
        township_code=township,
        grid_code=None,
        path=node.path,
        attributes=attributes,
        active=True,
        synthetic=True,
    )


def _cooperative(village: OrgNode) -> Collective:
    return Collective(
        code=f"COOP-{village.code}",
        name=f"{village.name}股份经济合作社",
        kind="cooperative",
        village_code=village.code,
        township_code=village.path.strip("/").split("/")[1],
        path=village.path,
        synthetic=True,
    )


def build_economy(session: Session, township: OrgNode, villages: list[OrgNode], year: int) -> dict[str, str]:
    """The three joint projects of seed 000 in one township of the demo county."""
    coops = [_cooperative(v) for v in villages]
    state = Collective(
        code=f"DEV-{township.code}",
        name=f"{township.name}城市开发建设有限公司（模拟）",
        kind="company",
        village_code=None,
        township_code=township.code,
        path=township.path,
        synthetic=True,
    )
    group = Collective(
        code=f"GRP-{township.code}",
        name=f"{township.name}经开集团（模拟）",
        kind="company",
        village_code=None,
        township_code=township.code,
        path=township.path,
        synthetic=True,
    )
    session.add_all([*coops, state, group])
    session.flush()
    timber = Project(
        code=f"TIMBER-{township.code}",
        name="木材市场抱团项目（按新市白彪模式，模拟）",
        township_code=township.code,
        path=township.path,
        planned_investment=Decimal(20_000_000),
        reserve_rate=Decimal(0),
        status="running",
        synthetic=True,
    )
    factory = Project(
        code=f"FACTORY-{township.code}",
        name="六村抱团标准厂房（模拟）",
        township_code=township.code,
        path=township.path,
        planned_investment=Decimal(90_000_000),
        backer_id=group.id,
        reserve_rate=Decimal(0),
        status="building",
        synthetic=True,
    )
    company = Project(
        code=f"QCGS-{township.code}",
        name=f"{township.name}强村公司（19村联合，模拟）",
        township_code=township.code,
        path=township.path,
        planned_investment=Decimal(19_000_000),
        reserve_rate=Decimal("0.1"),
        status="running",
        synthetic=True,
    )
    session.add_all([timber, factory, company])
    session.flush()
    # 白彪 30 % (its 75万 of 250万), 水北 and the development company the rest (their split is synthetic)
    stakes = [
        Shareholding(
            project_id=timber.id, collective_id=coops[0].id, invested=Decimal(6_000_000), share=Decimal("0.3")
        ),
        Shareholding(
            project_id=timber.id, collective_id=coops[1].id, invested=Decimal(4_000_000), share=Decimal("0.2")
        ),
        Shareholding(project_id=timber.id, collective_id=state.id, invested=Decimal(10_000_000), share=Decimal("0.5")),
    ]
    stakes += [
        Shareholding(project_id=factory.id, collective_id=c.id, invested=Decimal(5_000_000), share=None)
        for c in coops[2:8]
    ]
    stakes += [
        Shareholding(project_id=company.id, collective_id=c.id, invested=Decimal(1_000_000), share=None)
        for c in coops[:19]
    ]
    session.add_all(stakes)
    session.add_all(
        [
            ProjectYear(project_id=timber.id, year=year - 1, income=Decimal(2_300_000), costs=Decimal(0)),
            ProjectYear(project_id=timber.id, year=year, income=Decimal(2_500_000), costs=Decimal(0)),
            ProjectYear(
                project_id=factory.id, year=year + 1, income=Decimal(7_200_000), costs=Decimal(0), expected=True
            ),
            ProjectYear(project_id=company.id, year=year, income=Decimal(3_800_000), costs=Decimal(1_200_000)),
        ]
    )
    rng = np.random.default_rng(year)
    for coop in coops:
        for y in (year - 1, year):
            for source, low, high in (("operating", 80_000, 600_000), ("subsidy", 50_000, 200_000)):
                amount = Decimal(int(rng.uniform(low, high) / 100) * 100)
                session.add(CollectiveIncome(collective_id=coop.id, year=y, source=source, amount=amount))
    session.flush()
    views = {v.project.code: v for v in EconomyService(session).projects([township.path])}
    timber_year = dict(views[timber.code].years)
    this_year = next(r for y, r in timber_year.items() if y.year == year)
    factory_view = views[factory.code]
    baibiao = next(d.amount for d in this_year.dividends if d.holder == coops[0].code)
    return {
        "timber_rent": f"{this_year.income}",
        "baibiao_dividend": f"{coops[0].name} {baibiao}",
        "factory_planned": f"{yuan(factory.planned_investment)}",
        "factory_cover": f"{factory_view.cover}",
        "factory_rent": f"{factory_view.years[0][1].income}",
    }


def build_assessment(session: Session, township: OrgNode, villages: list[OrgNode], seed: int) -> dict[str, str | int]:
    rng = np.random.default_rng(seed + 15)
    spec = indicator_set(YEAR)
    install_set(session, township, villages, spec)
    service = AssessmentService(session)
    indicators = service.repo.indicators(YEAR, township.path)
    skill = {v.code: float(rng.uniform(0.7, 0.98)) for v in villages}
    scores: list[Score] = []
    for indicator in indicators:
        targets = [v for v in villages if indicator.village_code in (None, v.code)]
        if indicator.cadence == "monthly":
            periods = [f"{YEAR}-{m:02d}" for m in range(1, 13)] + [f"{YEAR}-Q{q}" for q in range(1, 5)]
        else:
            periods = [str(YEAR)]
        for village in targets:
            for period in periods:
                share = min(1.0, max(0.0, skill[village.code] + float(rng.normal(0, 0.06))))
                points = round(indicator.max_points * share, 1)
                scores.append(
                    Score(
                        indicator_id=indicator.id,
                        village_code=village.code,
                        path=village.path,
                        period=period,
                        points=points,
                        status="approved",
                    )
                )
    session.add_all(scores)
    people: list[Person] = []
    cadres: list[Cadre] = []
    for i, village in enumerate(villages):
        for j, post in enumerate(("secretary", "director", "member")):
            person = Person(
                name=synthetic_name(rng),
                phone=synthetic_phone(PHONE_BASE + 3 * i + j),
                id_number=synthetic_id_number(rng),
                active=True,
                synthetic=True,
            )
            person.roles = [RoleAssignment(role=Role.village_cadre.value, node_id=village.id)]
            people.append(person)
            cadres.append(
                Cadre(
                    year=YEAR,
                    village_code=village.code,
                    path=village.path,
                    post=post,
                    duty=round(float(rng.uniform(70, 98)), 1),
                    appraisal=round(float(rng.uniform(75, 99)), 1),
                )
            )
    session.add_all(people)
    session.flush()
    for person, cadre in zip(people, cadres, strict=True):
        cadre.person_id = person.id
    session.add_all(cadres)
    session.flush()
    admin = system_principal("演示", township.path)
    board = service.board(admin, township.code, Period.parse(f"{YEAR}-Q4"))
    first = next(v.name for v in villages if v.code == board.ranking[0].village)
    common = [i for i in indicators if i.kind == "common"]
    return {
        "common_indicators": len(common),
        "monthly_indicators": sum(1 for i in common if i.cadence == "monthly"),
        "annual_indicators": sum(1 for i in common if i.cadence == "annual"),
        "individual_tasks": len(indicators) - len(common),
        "assessment_township": township.name,
        "q4_first": f"{first} {board.ranking[0].score}",
    }


def build_services(session: Session, township: OrgNode, villages: list[OrgNode], seed: int) -> dict[str, str | int]:
    rng = np.random.default_rng(seed + 16)
    home = villages[0]
    code = township.code
    centre = _place(
        home, f"SC-{home.code}", "venue", f"{home.name}党群服务中心（模拟）", rng,
        {"kind": "党群服务中心", "floor_area_m2": 3000},
    )  # fmt: skip
    venues = [
        _place(home, f"SC-{home.code}-{i + 1}", "venue", n, rng, {"kind": "服务场景", "capacity": c})
        for i, (n, c) in enumerate(SCENES)
    ]
    canteens = [
        _place(
            villages[i % len(villages)],
            f"CT-{code}-{i + 1:02d}",
            "canteen",
            f"社区食堂{i + 1}号（模拟）",
            rng,
            {"kind": "老年助餐点", "seats": 60},
        )
        for i in range(CANTEENS)
    ]
    points = [
        _place(
            villages[i % len(villages)],
            f"MP-{code}-{i + 1:02d}",
            "canteen",
            f"{villages[i % len(villages)].name}助餐点（暖心志愿岗，模拟）",
            rng,
            {"kind": "老年助餐点", "seats": 8},
        )
        for i in range(MEAL_POINTS)
    ]
    session.add_all([centre, *venues, *canteens, *points])
    session.flush()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for day in range(1, 8):
        for venue, (_name, capacity) in zip(venues, SCENES, strict=True):
            start = now + timedelta(days=day, hours=int(rng.integers(1, 8)))
            kind = "venue" if capacity == 1 else "activity"
            session.add(
                Activity(
                    place_id=venue.id,
                    kind=kind,
                    title=f"{venue.name}{'预约' if kind == 'venue' else '活动'}（模拟）",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    capacity=capacity,
                    booked=0,
                    points=0 if kind == "venue" else 5,
                    path=venue.path,
                    cancelled=False,
                )
            )
    residents = [
        Person(
            name=synthetic_name(rng),
            phone=synthetic_phone(PHONE_BASE + 10_000 + i),
            id_number=synthetic_id_number(rng),
            active=True,
            synthetic=True,
        )
        for i in range(40)
    ]
    for person in residents:
        person.roles = [RoleAssignment(role=Role.resident.value, node_id=home.id)]
    session.add_all(residents)
    session.flush()
    if session.scalar(select(Account.id).where(Account.username == "jumin")) is None:
        # the first resident signs in as `jumin` (the demo's password) to try the resident pages
        session.add(Account(person_id=residents[0].id, username="jumin", password_hash=hash_password(DEMO_PASSWORD)))
        session.flush()
    services = ResidentServices(session)
    for i, person in enumerate(residents):
        services.earn(person.id, home.path, 10 * (1 + i % 5), "志愿服务（模拟）", f"demo:{i}")
    first = date.today() + timedelta(days=1)
    slots = [s.code for s in services.settings().meal_slots]
    seats = services.settings().seats_per_shift
    shifts = []
    for p_index, place in enumerate(points):
        for day in range(7):
            for slot in slots:
                staffed = seats if (p_index + day) % 9 else 1
                for seat in range(1, staffed + 1):
                    volunteer = residents[(p_index * 3 + day * 2 + seat + len(slot)) % len(residents)]
                    shifts.append(
                        VolunteerShift(
                            place_id=place.id,
                            day=first + timedelta(days=day),
                            slot=slot,
                            seat=seat,
                            person_id=volunteer.id,
                            path=place.path,
                        )
                    )
    session.add_all(shifts)
    session.flush()
    roster = services.roster((township.path,), first, 7)
    full = sum(1 for n in roster.values() if n >= seats)
    venue_count = session.scalar(select(func.count(Place.id)).where(Place.code.startswith(f"SC-{home.code}-")))
    return {
        "canteens": CANTEENS,
        "meal_points": MEAL_POINTS,
        "shifts_fully_staffed": f"{full}/{len(roster)}",
        "venues": int(venue_count or 0),
    }


def build_village(session: Session, seed: int = 20240601) -> VillageSummary:
    """Write the module's demo into a database holding the org demo (caller commits)."""
    (economy_town, economy_villages), (assess_town, assess_villages), *_ = _townships(session)
    figures: dict[str, object] = {}
    figures |= build_economy(session, economy_town, economy_villages, YEAR)
    figures["joint_company_villages"] = min(19, len(economy_villages))
    figures |= build_assessment(session, assess_town, assess_villages, seed)
    figures |= build_services(session, assess_town, assess_villages, seed)
    return VillageSummary(**figures)  # type: ignore[arg-type]


def demo(session: Session, seed: int) -> dict[str, object]:
    return asdict(build_village(session, seed))
