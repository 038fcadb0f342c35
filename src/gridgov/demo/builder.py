"""Builds the demo county into an empty database: the real Fuyang boundary and the real names and codes
of its townships and villages; synthetic township, village and grid polygons (the real ones are not
public), units, 336 responsible people at four levels and the staff around them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from shapely.geometry import shape
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gridgov.audit.recorder import record_event
from gridgov.auth.models import Account
from gridgov.auth.passwords import DEMO_PASSWORD
from gridgov.auth.security import hash_password
from gridgov.demo.geometry import partition
from gridgov.demo.people import synthetic_id_number, synthetic_name, synthetic_phone
from gridgov.geo.shapes import Area, to_geojson
from gridgov.kit.time import utcnow
from gridgov.org.enums import NodeKind, Role, UnitKind
from gridgov.org.models import GridAssignment, OrgNode, Person, RoleAssignment, Unit, UnitMembership

COUNTY_CODE = "330111"
# the four responsibility levels of the geo-hazard network in seed 003: 336 people, 184 grid members
RESPONSIBLE = {"district": 8, "township_per": 2, "village": 96, "grid": 184}
COUNTY_UNITS = [
    ("SZZX", "富阳区社会治理中心", UnitKind.platform),
    ("ZRZY", "区自然资源和规划局", UnitKind.department),
    ("SLJ", "区水利水电局", UnitKind.department),
    ("YJGL", "区应急管理局", UnitKind.department),
    ("ZJJ", "区住房和城乡建设局", UnitKind.department),
    ("STHJ", "市生态环境局富阳分局", UnitKind.department),
    ("ZHZF", "区综合行政执法局", UnitKind.department),
    ("JJDD", "公安富阳分局交警大队", UnitKind.department),
    ("XFJY", "区消防救援大队", UnitKind.department),
    ("GDGS", "国网杭州市富阳区供电公司", UnitKind.utility),
]
TOWNSHIP_UNITS = [
    ("ZHXX", "综合信息指挥室", UnitKind.platform),
    ("PAFZ", "平安法治办", UnitKind.office),
    ("YJZX", "应急管理中心", UnitKind.office),
    ("GDS", "供电所", UnitKind.utility),
]
DEMO_ACCOUNTS = [
    ("admin", Role.admin, "county", "系统管理员"),
    ("dispatcher", Role.county_dispatcher, "county", "县级调度员"),
    ("fuchun", Role.township_operator, "330111001", "富春街道四平台"),
    ("wanshi", Role.township_operator, "330111100", "万市镇四平台"),
    ("leader", Role.leader, "county", "县领导"),
    ("handler", Role.department_handler, "county", "县级职能部门处置人员"),
]


def clean_village_name(name: str) -> str:
    """Division data names villages by their committee (春华村委会); people say 春华村."""
    return re.sub(r"(村|社区)?(村民委员会|居民委员会|村委会|居委会)$", lambda m: m.group(1) or "村", name)


def load_sources() -> tuple[Area, dict[str, Any]]:
    data = resources.files("gridgov.demo").joinpath("data")
    boundary = json.loads(data.joinpath("fuyang_boundary.geojson").read_text("utf-8"))
    divisions = json.loads(data.joinpath("fuyang_divisions.json").read_text("utf-8"))
    return shape(boundary["features"][0]["geometry"]), divisions


@dataclass
class DemoSummary:
    townships: int = 0
    villages: int = 0
    grids: int = 0
    units: int = 0
    people: int = 0
    responsible: int = 0
    grid_members: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _NodeRow:
    code: str
    name: str
    kind: NodeKind
    parent: str | None
    path: str
    area: Area
    id: int = 0


Progress = Callable[[str, int], None]


def _no_progress(_label: str, _step: int) -> None:
    return None


def plan_tree(seed: int = 20240601, grids_per_village: tuple[int, int] = (2, 4)) -> list[_NodeRow]:
    """The whole tree with geometry, deterministic for a seed (pure)."""
    county, divisions = load_sources()
    rng = np.random.default_rng(seed)
    rows = [_NodeRow(COUNTY_CODE, "富阳区", NodeKind.county, None, f"{COUNTY_CODE}/", county)]
    townships = divisions["townships"]
    township_areas = partition(county, len(townships), rng)
    for township, area in zip(townships, township_areas, strict=True):
        t_path = f"{COUNTY_CODE}/{township['code']}/"
        rows.append(_NodeRow(township["code"], township["name"], NodeKind.township, COUNTY_CODE, t_path, area))
        village_areas = partition(area, len(township["villages"]), rng)
        for village, v_area in zip(township["villages"], village_areas, strict=True):
            v_path = f"{t_path}{village['code']}/"
            rows.append(
                _NodeRow(
                    village["code"],
                    clean_village_name(village["name"]),
                    NodeKind.village,
                    township["code"],
                    v_path,
                    v_area,
                )
            )
            count = int(rng.integers(grids_per_village[0], grids_per_village[1] + 1))
            for number, g_area in enumerate(partition(v_area, count, rng, relax=2), start=1):
                code = f"{village['code']}{number:03d}"
                name = f"{clean_village_name(village['name'])}第{number}网格"
                rows.append(_NodeRow(code, name, NodeKind.grid, village["code"], f"{v_path}{code}/", g_area))
    return rows


def _insert_nodes(session: Session, rows: list[_NodeRow]) -> None:
    now = utcnow()
    ids: dict[str, int] = {}
    for kind in (NodeKind.county, NodeKind.township, NodeKind.village, NodeKind.grid):
        batch = [r for r in rows if r.kind is kind]
        values = []
        for r in batch:
            centre = r.area.representative_point()
            values.append(
                {
                    "code": r.code,
                    "name": r.name,
                    "kind": r.kind.value,
                    "parent_id": ids[r.parent] if r.parent else None,
                    "path": r.path,
                    "boundary": to_geojson(r.area),
                    "centroid_lon": round(centre.x, 6),
                    "centroid_lat": round(centre.y, 6),
                    "synthetic": kind is NodeKind.grid,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        result = session.execute(insert(OrgNode).returning(OrgNode.id, OrgNode.code), values)
        ids.update({code: node_id for node_id, code in result})
    for r in rows:
        r.id = ids[r.code]


def _insert_units(session: Session, rows: list[_NodeRow]) -> dict[str, int]:
    county = rows[0]
    values: list[dict[str, Any]] = [
        {"code": f"{COUNTY_CODE}-{c}", "name": n, "kind": k.value, "node_id": county.id} for c, n, k in COUNTY_UNITS
    ]
    for t in (r for r in rows if r.kind is NodeKind.township):
        values += [
            {"code": f"{t.code}-{c}", "name": f"{t.name}{n}", "kind": k.value, "node_id": t.id}
            for c, n, k in TOWNSHIP_UNITS
        ]
    now = utcnow()
    values = [{**v, "created_at": now, "updated_at": now} for v in values]
    result = session.execute(insert(Unit).returning(Unit.id, Unit.code), values)
    return {code: unit_id for unit_id, code in result}


@dataclass
class _PersonPlan:
    name: str
    roles: list[tuple[Role, int, int | None]]
    units: list[int] = field(default_factory=list)
    grids: list[int] = field(default_factory=list)
    username: str | None = None


def plan_people(rows: list[_NodeRow], units: dict[str, int], seed: int) -> list[_PersonPlan]:
    """The 336 responsible people at four levels, then operators, handlers, dispatchers, admin."""
    rng = np.random.default_rng(seed + 1)
    county = rows[0]
    townships = [r for r in rows if r.kind is NodeKind.township]
    villages = [r for r in rows if r.kind is NodeKind.village]
    grids = [r for r in rows if r.kind is NodeKind.grid]
    plans: list[_PersonPlan] = []

    def person(roles: list[tuple[Role, int, int | None]], **extra: Any) -> _PersonPlan:
        plan = _PersonPlan(synthetic_name(rng), roles, **extra)
        plans.append(plan)
        return plan

    for _ in range(RESPONSIBLE["district"]):
        person([(Role.leader, county.id, 1)])
    for t in townships:
        for _ in range(RESPONSIBLE["township_per"]):
            person([(Role.leader, t.id, 2)])
    for index in sorted(rng.choice(len(villages), RESPONSIBLE["village"], replace=False).tolist()):
        person([(Role.village_cadre, villages[index].id, 3)])
    # every grid gets exactly one grid member; a member serves adjacent grids of one township
    by_township: dict[str, list[_NodeRow]] = {t.code: [] for t in townships}
    for g in grids:
        by_township[g.path.split("/")[1]].append(g)
    total = len(grids)
    shares = {code: max(1, round(RESPONSIBLE["grid"] * len(gs) / total)) for code, gs in by_township.items()}
    while sum(shares.values()) != RESPONSIBLE["grid"]:
        step = 1 if sum(shares.values()) < RESPONSIBLE["grid"] else -1
        code = (
            max(shares, key=lambda c: len(by_township[c]) / shares[c])
            if step > 0
            else max((c for c in shares if shares[c] > 1), key=lambda c: shares[c] / len(by_township[c]))
        )
        shares[code] += step
    for code, township_grids in by_township.items():
        for chunk in np.array_split(np.arange(len(township_grids)), shares[code]):
            served = [township_grids[i] for i in chunk.tolist()]
            person([(Role.grid_member, served[0].id, 4)], grids=[g.id for g in served])
    for t in townships:
        for _ in range(2):
            person([(Role.township_operator, t.id, None)], units=[units[f"{t.code}-ZHXX"]])
    for code, _name, kind in COUNTY_UNITS:
        if kind is UnitKind.platform:
            continue
        for _ in range(2):
            person([(Role.department_handler, county.id, None)], units=[units[f"{COUNTY_CODE}-{code}"]])
    for _ in range(2):
        person([(Role.county_dispatcher, county.id, None)], units=[units[f"{COUNTY_CODE}-SZZX"]])
    by_code = {r.code: r for r in rows}
    for username, role, where, title in DEMO_ACCOUNTS:
        node = county if where == "county" else by_code[where]
        existing = next((p for p in plans if p.username is None and p.roles[0][:2] == (role, node.id)), None)
        if existing is None:
            existing = person([(role, node.id, None)])
        existing.username = username
        if role is Role.admin:
            existing.name = title
    grid_member = next(p for p in plans if p.roles[0][0] is Role.grid_member)
    grid_member.username = "grid"
    return plans


def build(session: Session, seed: int = 20240601, progress: Progress = _no_progress) -> DemoSummary:
    """Write the demo county into an empty database (caller commits)."""
    if session.scalar(select(OrgNode.id).limit(1)) is not None:
        raise RuntimeError("the database already holds an org tree; the demo builds only into an empty one")
    progress("geometry", 0)
    rows = plan_tree(seed)
    progress("nodes", 1)
    _insert_nodes(session, rows)
    units = _insert_units(session, rows)
    progress("people", 2)
    plans = plan_people(rows, units, seed)
    rng = np.random.default_rng(seed + 2)
    now = utcnow()
    person_values = [
        {
            "name": p.name,
            "phone": synthetic_phone(i),
            "id_number": synthetic_id_number(rng),
            "active": True,
            "synthetic": True,
            "created_at": now,
            "updated_at": now,
        }
        for i, p in enumerate(plans)
    ]
    ids = [
        pid
        for (pid,) in session.execute(insert(Person).returning(Person.id, sort_by_parameter_order=True), person_values)
    ]
    roles = [
        {"person_id": pid, "role": r.value, "node_id": n, "level": lv}
        for pid, p in zip(ids, plans, strict=True)
        for r, n, lv in p.roles
    ]
    members = [{"person_id": pid, "unit_id": u} for pid, p in zip(ids, plans, strict=True) for u in p.units]
    served = [{"person_id": pid, "node_id": g} for pid, p in zip(ids, plans, strict=True) for g in p.grids]
    session.execute(insert(RoleAssignment), roles)
    if members:
        session.execute(insert(UnitMembership), members)
    session.execute(insert(GridAssignment), served)
    progress("accounts", 3)
    password_hash = hash_password(DEMO_PASSWORD)
    accounts = [(pid, p.username) for pid, p in zip(ids, plans, strict=True) if p.username]
    session.execute(
        insert(Account),
        [
            {
                "person_id": pid,
                "username": u,
                "password_hash": password_hash,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for pid, u in accounts
        ],
    )
    summary = DemoSummary(
        townships=sum(r.kind is NodeKind.township for r in rows),
        villages=sum(r.kind is NodeKind.village for r in rows),
        grids=sum(r.kind is NodeKind.grid for r in rows),
        units=len(units),
        people=len(plans),
        responsible=sum(1 for p in plans if p.roles[0][2] is not None),
        grid_members=sum(1 for p in plans if p.roles[0][0] is Role.grid_member),
        accounts=[(u or "", DEMO_PASSWORD) for _pid, u in accounts],
    )
    record_event(
        session,
        "demo.build",
        "org_node",
        COUNTY_CODE,
        {k: v for k, v in summary.__dict__.items() if k != "accounts"},
        scope_path=f"{COUNTY_CODE}/",
    )
    session.flush()
    progress("done", 4)
    return summary
