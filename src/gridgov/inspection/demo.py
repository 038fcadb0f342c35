"""The module's demo on the demo county (seeds 004 桥墩 and 000 金东): 1,560 两类场所 in one town (富春街道, the
demo operator's), 300 elsewhere; this cycle's checks by the grid members with ordinary and one-vote-veto findings
opened as cases through the same service users call, some put right by a re-check; village duty rooms, checkpoints
(some shared by two villages), the township platform and the county duty desk with their people, and this month's
roster solved with CP-SAT. Everything is marked synthetic."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import shape
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gridgov.auth.permissions import permissions_for
from gridgov.demo.people import synthetic_name, synthetic_phone
from gridgov.geo.service import geo_service
from gridgov.inspection.checklist import ZONE, cycle_start
from gridgov.inspection.models import DutyMember, DutyPost, InspectionCheck
from gridgov.inspection.rosters import RosterService
from gridgov.inspection.schemas import CheckCreate
from gridgov.inspection.service import InspectionService
from gridgov.kit.principal import Principal
from gridgov.kit.time import utcnow
from gridgov.org.duty import CHECKPOINT, COUNTY_DUTY_DESK, TOWNSHIP_PLATFORM, VILLAGE_DUTY_ROOM
from gridgov.org.enums import NodeKind, Role
from gridgov.org.models import GridAssignment, OrgNode, Person, RoleAssignment
from gridgov.registry.models import Place

TOWN_PLACES, OTHER_PLACES = 1560, 300
"""桥墩镇: more than 1,500 两类场所 checked in 3-month cycles (seed 004)."""
CHECKED_SHARE = 0.62
VETO, ORDINARY, RECHECKED = 8, 24, 14
PHONE_BASE = 8_000_000
TYPES = [("rental_housing", 0.6), ("small_enterprise", 0.25), ("street_shop", 0.15)]
TWELVE = [
    {"code": "day", "start": "08:00", "hours": 12, "night": False, "required": {"member": 1}},
    {"code": "night", "start": "20:00", "hours": 12, "night": True, "required": {"member": 1}},
]
EIGHT = [
    {"code": "morning", "start": "08:00", "hours": 8, "night": False, "required": {"leader": 1, "member": 1}},
    {"code": "evening", "start": "16:00", "hours": 8, "night": False, "required": {"member": 1}},
    {"code": "night", "start": "00:00", "hours": 8, "night": True, "required": {"member": 1}},
]
GOOD: dict[str, dict[str, str | int]] = {
    "rental_housing": {
        "mixed_use": "no",
        "ebike_indoor": "no",
        "second_exit": "yes",
        "extinguisher": "yes",
        "smoke_alarm": "yes",
        "wiring": "规范",
        "tenants": 4,
    },
    "venue": {"mixed_use": "no", "locked_exit": "no", "extinguisher": "yes", "gas": "yes", "wiring": "规范"},
}


@dataclass(frozen=True)
class InspectionSummary:
    town: str
    town_places: int
    other_places: int
    checked_this_cycle: str
    veto_findings: int
    ordinary_findings: int
    rectified: int
    posts: int
    duty_people: int
    roster_month: str
    roster_status: str
    roster_shifts: int
    roster_gap: float | None


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _good(kind: str) -> dict[str, str | int]:
    return dict(GOOD["rental_housing" if kind == "rental_housing" else "venue"])


def _points(session: Session, rng: np.random.Generator, node: OrgNode, count: int) -> list[tuple[float, float, str]]:
    """Random points inside ``node`` that fall in one of its grids, with the grid's path."""
    area = shape(json.loads(session.scalar(select(OrgNode.boundary).where(OrgNode.id == node.id)) or "{}"))
    west, south, east, north = area.bounds
    found: list[tuple[float, float, str]] = []
    while len(found) < count:
        lons = rng.uniform(west, east, count * 2)
        lats = rng.uniform(south, north, count * 2)
        paths = geo_service.locate_paths(session, lons, lats)
        for lon, lat, path in zip(lons.tolist(), lats.tolist(), paths, strict=True):
            if path and path.startswith(node.path) and path.count("/") >= 4 and len(found) < count:
                found.append((round(lon, 6), round(lat, 6), path))
    return found


def _places(session: Session, rng: np.random.Generator, points: list[tuple[float, float, str]], prefix: str) -> None:
    now = utcnow()
    kinds = rng.choice([t for t, _ in TYPES], size=len(points), p=[w for _, w in TYPES])
    names = {"rental_housing": "出租房", "small_enterprise": "小微企业", "street_shop": "沿街店铺"}
    rows = [
        {
            "code": f"{prefix}{i + 1:05d}",
            "type_code": str(kind),
            "name": f"{synthetic_name(rng)}{names[str(kind)]}(模拟)",
            "address": f"{i % 97 + 1}号",
            "lon": lon,
            "lat": lat,
            "township_code": path.split("/")[1],
            "grid_code": path.strip("/").split("/")[-1],
            "path": path,
            "owner_name": synthetic_name(rng),
            "contact_phone": synthetic_phone(PHONE_BASE + 50_000 + i + (0 if prefix.startswith("T") else 10_000)),
            "attributes": {},
            "active": True,
            "synthetic": True,
            "created_at": now,
            "updated_at": now,
        }
        for i, ((lon, lat, path), kind) in enumerate(zip(points, kinds, strict=True))
    ]
    session.execute(insert(Place), rows)


def _grid_members(session: Session, town: OrgNode) -> dict[str, Principal]:
    """Grid path → a principal of the grid member who serves it."""
    rows = session.execute(
        select(OrgNode.path, Person.id, Person.name)
        .join(GridAssignment, GridAssignment.node_id == OrgNode.id)
        .join(Person, Person.id == GridAssignment.person_id)
        .where(OrgNode.path.startswith(town.path))
    )
    roles = frozenset({Role.grid_member.value})
    return {
        path: Principal(None, pid, "demo", name, roles, permissions_for(roles), (path,)) for path, pid, name in rows
    }


def _checks(session: Session, rng: np.random.Generator, town: OrgNode) -> tuple[int, int, int, int]:
    now = utcnow()
    start = cycle_start(now, 3)
    places = list(session.scalars(select(Place).where(Place.path.startswith(town.path)).order_by(Place.code)))
    members = _grid_members(session, town)
    order = rng.permutation(len(places)).tolist()
    checked = [places[i] for i in order[: round(len(places) * CHECKED_SHARE)]]
    span = max(1.0, (now - start).total_seconds() - 3 * 86400)
    flagged = checked[: VETO + ORDINARY]
    rows = []
    for place in checked[VETO + ORDINARY :]:
        who = members.get(place.path)
        rows.append(
            {
                "place_id": place.id,
                "kind": "routine",
                "person_id": who.person_id if who else None,
                "inspector": who.name if who else "网格员",
                "checked_at": start + timedelta(seconds=float(rng.uniform(0, span))),
                "lon": place.lon,
                "lat": place.lat,
                "answers": _good(place.type_code),
                "photos": [],
                "path": place.path,
                "synthetic": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    session.execute(insert(InspectionCheck), rows)
    rectified = 0
    for index, place in enumerate(flagged):
        who = members.get(place.path)
        if who is None:
            continue
        found_at = now - timedelta(days=float(rng.uniform(4, 20)))
        answers = _good(place.type_code)
        if index < VETO:
            answers["mixed_use"] = "yes"
        else:
            answers["extinguisher"] = "no"
        service = InspectionService(session, clock=_fixed(found_at))
        photos = ["现场照片.jpg"]
        service.record(
            who, CheckCreate(place_id=place.id, answers=answers, photos=photos, lon=place.lon, lat=place.lat)
        )
        if index % 2 == 0 and rectified < RECHECKED:
            later = found_at + timedelta(days=float(rng.uniform(0.5, 3)))
            InspectionService(session, clock=_fixed(later)).record(
                who, CheckCreate(place_id=place.id, answers=_good(place.type_code), lon=place.lon, lat=place.lat)
            )
            rectified += 1
    return len(checked), len(places), len(flagged), rectified


def _posts(session: Session, rng: np.random.Generator, town: OrgNode, county: OrgNode) -> tuple[int, int]:
    villages = list(
        session.scalars(
            select(OrgNode)
            .where(OrgNode.kind == NodeKind.village.value, OrgNode.path.startswith(town.path))
            .order_by(OrgNode.code)
        )
    )
    posts: list[tuple[DutyPost, dict[str, int], str]] = []
    for village in villages:
        lon, lat = village.centroid_lon, village.centroid_lat
        posts.append(
            (
                DutyPost(
                    code=f"ZBS-{village.code}",
                    name=f"{village.name}值班室",
                    kind=VILLAGE_DUTY_ROOM,
                    path=village.path,
                    serves=[],
                    lon=lon,
                    lat=lat,
                    shifts=TWELVE,
                    synthetic=True,
                ),
                {"member": 5},
                village.code,
            )
        )
    for first, second in zip(villages[::2], villages[1::2], strict=False):
        posts.append(
            (
                DutyPost(
                    code=f"KK-{first.code}",
                    name=f"{first.name}、{second.name}共用卡口",
                    kind=CHECKPOINT,
                    path=first.path,
                    serves=[second.path],
                    lon=first.centroid_lon,
                    lat=first.centroid_lat,
                    shifts=TWELVE,
                    synthetic=True,
                ),
                {"member": 5},
                first.code,
            )
        )
    posts.append(
        (
            DutyPost(
                code=f"PT-{town.code}",
                name=f"{town.name}综合信息指挥室",
                kind=TOWNSHIP_PLATFORM,
                path=town.path,
                serves=[],
                lon=town.centroid_lon,
                lat=town.centroid_lat,
                shifts=EIGHT,
                synthetic=True,
            ),
            {"leader": 6, "member": 7},
            town.code,
        )
    )
    posts.append(
        (
            DutyPost(
                code=f"XZ-{county.code}",
                name="区社会治理中心值班台",
                kind=COUNTY_DUTY_DESK,
                path=county.path,
                serves=[],
                lon=county.centroid_lon,
                lat=county.centroid_lat,
                shifts=TWELVE,
                synthetic=True,
            ),
            {"member": 5},
            county.code,
        )
    )
    session.add_all(p for p, _, _ in posts)
    session.flush()
    nodes = {n.code: n.id for n in session.scalars(select(OrgNode).where(OrgNode.path.startswith(county.path)))}
    people = 0
    first_day = utcnow().astimezone(ZONE).date().replace(day=1)
    for post, roles, node_code in posts:
        for role, count in roles.items():
            for _ in range(count):
                person = Person(name=synthetic_name(rng), phone=synthetic_phone(PHONE_BASE + people), synthetic=True)
                role_kind = (
                    Role.village_cadre
                    if post.kind in (VILLAGE_DUTY_ROOM, CHECKPOINT)
                    else (Role.township_operator if post.kind == TOWNSHIP_PLATFORM else Role.county_dispatcher)
                )
                person.roles = [RoleAssignment(role=role_kind.value, node_id=nodes[node_code])]
                session.add(person)
                session.flush()
                leave = first_day + timedelta(days=int(rng.integers(0, 28)))
                away = [] if rng.random() < 0.8 else [leave.isoformat()]
                session.add(DutyMember(post_id=post.id, person_id=person.id, role=role, unavailable=away))
                people += 1
    session.flush()
    return len(posts), people


def build_inspection(session: Session, seed: int) -> InspectionSummary:
    rng = np.random.default_rng(seed + 13)
    county = session.scalars(select(OrgNode).where(OrgNode.kind == NodeKind.county.value)).one()
    townships = list(
        session.scalars(select(OrgNode).where(OrgNode.kind == NodeKind.township.value).order_by(OrgNode.code))
    )
    town = next((t for t in townships if t.code == f"{county.code}001"), townships[0])
    _places(session, rng, _points(session, rng, town, TOWN_PLACES), "T")
    others = [t for t in townships if t is not town]
    points: list[tuple[float, float, str]] = []
    for index, township in enumerate(others):
        points += _points(session, rng, township, OTHER_PLACES // len(others) + (index < OTHER_PLACES % len(others)))
    _places(session, rng, points, "O")
    session.flush()
    checked, total, flagged, rectified = _checks(session, rng, town)
    posts, people = _posts(session, rng, town, county)
    month = utcnow().astimezone(ZONE).strftime("%Y-%m")
    roster, solution = RosterService(session).generate(None, county.code, month, time_limit=5)
    session.flush()
    return InspectionSummary(
        town=town.name,
        town_places=TOWN_PLACES,
        other_places=len(points),
        checked_this_cycle=f"{100 * checked / total:.1f}% ({checked}/{total})",
        veto_findings=VETO,
        ordinary_findings=flagged - VETO,
        rectified=rectified,
        posts=posts,
        duty_people=people,
        roster_month=month,
        roster_status=roster.status,
        roster_shifts=len(solution.assignments),
        roster_gap=None if solution.gap is None else round(solution.gap, 4),
    )


def demo(session: Session, seed: int) -> dict[str, object]:
    return {f"inspection_{k}": v for k, v in asdict(build_inspection(session, seed)).items()}
