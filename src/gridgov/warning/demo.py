"""The demo county's geo-hazard network, sized as Fuyang's (seed 003): 770 risk-prevention zones
(5 key, 24 secondary, 741 general; management levels 1/2/3 with 10/106/654), 245 rain gauges, then the
495 gauges added so that every zone has one within 200 m, the threatened households, and the zones'
responsible people drawn from the 336 of the org demo (district, township, village, grid levels).

Positions are synthetic (deterministic for a seed) and marked so; the counts are the seed's. Before
the 495, the 245 gauges are within 200 m of 353 zones and within 2 km of 736 (with the seed 20240601;
30 of the 245 sit between two close zones). A gauge's commissioning day is its station's ``created_at``
(the coverage page shows the network as of a date): the 245 two years before the demo is built ("前两年全面
建成"), the 495 four months before it. The gauges count as heard from when the demo is built
(``last_seen_at``) and are marked simulated: they report only while ``gridgov simulate storm`` runs, and the
sensor-offline check does not take their silence for an outage.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
from shapely import Point, Polygon
from shapely.geometry import shape
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gridgov.demo.people import synthetic_name, synthetic_phone
from gridgov.org.enums import NodeKind
from gridgov.org.models import GridAssignment, OrgNode, RoleAssignment
from gridgov.sensing.models import Datastream, Station
from gridgov.warning.coverage import Site, coverage_report, nearest_gauges
from gridgov.warning.enums import Importance, ResponsibleLevel
from gridgov.warning.models import Household, RiskZone, ZonePerson
from gridgov.warning.service import WarningService

ZONES = 770
IMPORTANCE = {Importance.key: 5, Importance.secondary: 24, Importance.general: 741}
LEVELS = {1: 10, 2: 106, 3: 654}
OLD_GAUGES, NEW_GAUGES, PAIRS = 245, 495, 30
OLD_PREFIX, NEW_PREFIX = "YL", "YLX"
COMMISSIONED_AGO = {OLD_PREFIX: timedelta(days=730), NEW_PREFIX: timedelta(days=120)}
"""How long before the demo's build each network was commissioned (its gauges' ``created_at``)."""
PHONE_BASE = 900_000  # threatened households' synthetic phones, after the org demo's
PLACES = ["后山", "西坡", "东坞", "南岙", "北岭", "上坞", "下坞", "岭脚", "坑口", "山塘"]
HOUSEHOLDS = {Importance.key: (20, 40), Importance.secondary: (8, 20), Importance.general: (1, 8)}


@dataclass(frozen=True)
class HazardSummary:
    zones: int
    gauges_before: int
    gauges_added: int
    households: int
    people: int
    zones_within_200m_before: int
    zones_within_2km_before: int
    zones_within_200m_after: int


def _metres_to_degrees(lat: float, dx: float, dy: float) -> tuple[float, float]:
    return dx / (111_320 * math.cos(math.radians(lat))), dy / 111_320


def _offset(rng: np.random.Generator, lon: float, lat: float, low: float, high: float) -> tuple[float, float]:
    angle, distance = rng.uniform(0, 2 * math.pi), rng.uniform(low, high)
    dlon, dlat = _metres_to_degrees(lat, distance * math.cos(angle), distance * math.sin(angle))
    return lon + dlon, lat + dlat


def _square(lon: float, lat: float, half: float) -> str:
    dlon, dlat = _metres_to_degrees(lat, half, half)
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat]]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


def _point_in(rng: np.random.Generator, polygon: Polygon) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(200):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return float(lon), float(lat)
    centre = polygon.representative_point()
    return float(centre.x), float(centre.y)


def build_hazard(session: Session, seed: int = 20240601) -> HazardSummary:
    """Write the network into a database holding the org demo (caller commits)."""
    rng = np.random.default_rng(seed + 3)
    now = datetime.now(UTC)
    nodes = {n.id: n for n in session.scalars(select(OrgNode).where(OrgNode.kind != NodeKind.county.value))}
    by_code = {n.code: n for n in nodes.values()}
    leaders: dict[tuple[int, str], list[int]] = {}
    for person_id, node_id, level in session.execute(
        select(RoleAssignment.person_id, RoleAssignment.node_id, RoleAssignment.level).where(
            RoleAssignment.level.is_not(None)
        )
    ):
        code = nodes[node_id].code if node_id in nodes else "county"
        leaders.setdefault((level or 0, code), []).append(person_id)
    district = sorted(p for (level, _code), people in leaders.items() if level == 1 for p in people)
    grid_member = {
        nodes[n].code: p for p, n in session.execute(select(GridAssignment.person_id, GridAssignment.node_id))
    }
    # hazards cluster in the villages that have a village-level responsible person (96 of 350)
    villages = sorted(code for (level, code) in leaders if level == 3)
    grids_of: dict[str, list[OrgNode]] = {}
    for node in nodes.values():
        if node.kind == NodeKind.grid.value and node.parent_id in nodes:
            grids_of.setdefault(nodes[node.parent_id].code, []).append(node)
    shapes = {
        code: shape(json.loads(boundary))
        for code, boundary in session.execute(
            select(OrgNode.code, OrgNode.boundary).where(OrgNode.kind == NodeKind.grid.value)
        )
        if boundary
    }

    importance = [i for i, n in IMPORTANCE.items() for _ in range(n)]
    levels = [1] * LEVELS[1] + [2] * LEVELS[2] + [3] * LEVELS[3]
    # key zones are level 1; secondary ones level 1 or 2; the rest fill the remaining levels
    order = np.argsort([{Importance.key: 0, Importance.secondary: 1, Importance.general: 2}[i] for i in importance])
    level_of = {int(z): levels[rank] for rank, z in enumerate(order)}

    zone_rows: list[dict[str, Any]] = []
    gauge_rows: list[dict[str, Any]] = []
    anchors: list[tuple[float, float, str]] = []
    for index in range(ZONES):
        paired = index >= ZONES - 2 * PAIRS and (index - (ZONES - 2 * PAIRS)) % 2 == 1
        if paired:  # the second of a close pair: 120–300 m from the first, in the same grid
            first = zone_rows[-1]
            lon, lat = _offset(rng, first["lon"], first["lat"], 120, 300)
            grid = by_code[first["grid"]]
        else:
            village = villages[int(rng.integers(len(villages)))]
            grid = grids_of[village][int(rng.integers(len(grids_of[village])))]
            lon, lat = _point_in(rng, shapes[grid.code]) if grid.code in shapes else (119.95, 30.05)
        village_node = nodes[grid.parent_id] if grid.parent_id is not None else grid
        kind = importance[index]
        low, high = HOUSEHOLDS[kind]
        zone_rows.append(
            {
                "code": f"FX{village_node.code}{index:04d}",
                "name": f"{village_node.name}{PLACES[index % len(PLACES)]}地质灾害风险防范区",
                "geometry": _square(lon, lat, float(rng.uniform(40, 120))),
                "lon": lon,
                "lat": lat,
                "township_code": village_node.code[:9],
                "village_code": village_node.code,
                "path": grid.path,
                "importance": kind.value,
                "management_level": level_of[index],
                "hazard_kind": "landslide" if index % 4 else "debris_flow",
                "households": int(rng.integers(low, high + 1)),
                "people": 0,
                "active": True,
                "synthetic": True,
                "grid": grid.code,
                "created_at": now,
                "updated_at": now,
            }
        )
        anchors.append((lon, lat, grid.path))

    # 245 old gauges: 30 between the close pairs, 215 near single zones; 495 new ones near the rest
    pair_firsts = list(range(ZONES - 2 * PAIRS, ZONES, 2))
    singles = list(range(ZONES - 2 * PAIRS))
    near_old = [int(i) for i in rng.choice(singles, OLD_GAUGES - PAIRS, replace=False)]
    new_near = sorted(set(singles) - set(near_old))
    assert len(new_near) == NEW_GAUGES
    placements: list[tuple[str, float, float, str]] = []
    for i in pair_firsts:
        (lon1, lat1, path), (lon2, lat2, _p) = anchors[i], anchors[i + 1]
        placements.append((OLD_PREFIX, (lon1 + lon2) / 2, (lat1 + lat2) / 2, path))
    for prefix, chosen in ((OLD_PREFIX, sorted(near_old)), (NEW_PREFIX, new_near)):
        for i in chosen:
            lon, lat, path = anchors[i]
            glon, glat = _offset(rng, lon, lat, 30, 180)
            placements.append((prefix, glon, glat, path))
    counters = {OLD_PREFIX: 0, NEW_PREFIX: 0}
    commissioned = {p: datetime.combine((now - ago).date(), time(), UTC) for p, ago in COMMISSIONED_AGO.items()}
    for prefix, lon, lat, path in placements:
        counters[prefix] += 1
        label = "新建" if prefix == NEW_PREFIX else ""
        gauge_rows.append(
            {
                "code": f"{prefix}{counters[prefix]:04d}",
                "kind": "rain_gauge",
                "name": f"{label}雨量站{prefix}{counters[prefix]:04d}",
                "lon": lon,
                "lat": lat,
                "path": path,
                "interval_seconds": 300,
                "active": True,
                "simulated": True,  # reports only while `gridgov simulate storm` runs
                "last_seen_at": now,
                "created_at": commissioned[prefix],
                "updated_at": now,
            }
        )

    station_ids = list(session.scalars(insert(Station).returning(Station.id, sort_by_parameter_order=True), gauge_rows))
    session.execute(
        insert(Datastream),
        [
            {"station_id": sid, "property": "rainfall", "unit": "mm", "created_at": now, "updated_at": now}
            for sid in station_ids
        ],
    )
    households: list[dict[str, Any]] = []
    people_rows: list[int] = []
    phone = PHONE_BASE
    for row in zone_rows:
        total = 0
        for _ in range(row["households"]):
            size = int(rng.integers(1, 6))
            total += size
            phone += 1
            households.append({"head_name": synthetic_name(rng), "people": size, "phone": synthetic_phone(phone)})
        row["people"] = total
        people_rows.append(len(households))
    grid_of_zone = [row.pop("grid") for row in zone_rows]
    zone_ids = list(session.scalars(insert(RiskZone).returning(RiskZone.id, sort_by_parameter_order=True), zone_rows))
    start = 0
    household_rows: list[dict[str, Any]] = []
    for zone_id, end in zip(zone_ids, people_rows, strict=True):
        for h in households[start:end]:
            household_rows.append(
                {
                    **h,
                    "zone_id": zone_id,
                    "survey_year": now.year,
                    "synthetic": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        start = end
    session.execute(insert(Household), household_rows)

    responsible = []
    for n, (zone_id, row, grid_code) in enumerate(zip(zone_ids, zone_rows, grid_of_zone, strict=True)):
        township_people = leaders.get((2, row["township_code"]), [])
        village_people = leaders.get((3, row["village_code"]), [])
        picks = [
            (ResponsibleLevel.district, district[n % len(district)] if district else None),
            (ResponsibleLevel.township, township_people[n % len(township_people)] if township_people else None),
            (ResponsibleLevel.village, village_people[0] if village_people else None),
            (ResponsibleLevel.grid, grid_member.get(grid_code)),
        ]
        responsible += [
            {"zone_id": zone_id, "person_id": pid, "level": level.value} for level, pid in picks if pid is not None
        ]
    session.execute(insert(ZonePerson), responsible)
    session.flush()

    service = WarningService(session)
    service.assign_nearest_gauges(k=2)
    after = service.coverage()
    old = [Site(g["code"], g["lon"], g["lat"]) for g in gauge_rows if not g["code"].startswith(NEW_PREFIX)]
    sites = [Site(z["code"], z["lon"], z["lat"], json.loads(z["geometry"])) for z in zone_rows]
    before = coverage_report(nearest_gauges(sites, old, k=1))
    return HazardSummary(
        zones=len(zone_ids),
        gauges_before=counters[OLD_PREFIX],
        gauges_added=counters[NEW_PREFIX],
        households=len(household_rows),
        people=sum(r["people"] for r in zone_rows),
        zones_within_200m_before=before.within_near,
        zones_within_2km_before=before.within_far,
        zones_within_200m_after=after.within_near,
    )
