from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.demo.builder import build, clean_village_name, plan_tree
from gridgov.org.models import GridAssignment, OrgNode, Person, RoleAssignment
from gridgov.warning.demo import build_hazard
from gridgov.warning.models import Household, RiskZone, ZonePerson


def test_demo_county_is_sized_like_the_seeds(session: Session) -> None:
    summary = build(session)
    assert (summary.townships, summary.villages) == (24, 350)
    assert summary.responsible == 336 and summary.grid_members == 184
    levels = dict(
        session.execute(
            select(RoleAssignment.level, func.count())
            .where(RoleAssignment.level.is_not(None))
            .group_by(RoleAssignment.level)
        ).all()
    )
    assert levels == {1: 8, 2: 48, 3: 96, 4: 184}
    names = set(session.scalars(select(OrgNode.name).where(OrgNode.kind == "township")))
    assert {"富春街道", "万市镇", "渔山乡", "新登镇"} <= names
    assert session.scalar(select(func.count()).where(Person.synthetic.is_(False))) == 0
    assert all(p.startswith("100") for p in session.scalars(select(Person.phone)))


def test_every_grid_has_one_grid_member(session: Session) -> None:
    build(session)
    grids = session.scalar(select(func.count()).where(OrgNode.kind == "grid"))
    served = session.scalar(
        select(func.count(func.distinct(RoleAssignment.id))).where(RoleAssignment.role == "grid_member")
    )
    assignments = session.scalar(select(func.count(func.distinct(GridAssignment.node_id))))
    assert served == 184 and assignments == grids


def test_generator_is_deterministic() -> None:
    def digest(seed: int) -> str:
        return hashlib.sha256("".join(r.code + r.area.wkt for r in plan_tree(seed)).encode()).hexdigest()

    assert digest(7) == digest(7)
    assert digest(7) != digest(8)


def test_village_names_drop_the_committee() -> None:
    assert clean_village_name("春华村委会") == "春华村"
    assert clean_village_name("城西社区居委会") == "城西社区"
    assert clean_village_name("城西社区") == "城西社区"


def test_hazard_network_reproduces_fuyang_before_and_after_the_new_gauges(session: Session) -> None:
    build(session, seed=7)
    summary = build_hazard(session, seed=7)
    assert (summary.zones, summary.gauges_before, summary.gauges_added) == (770, 245, 495)
    assert summary.zones_within_200m_before < 770 == summary.zones_within_200m_after
    by_importance = select(RiskZone.importance, func.count()).group_by(RiskZone.importance)
    importance = dict(session.execute(by_importance).all())
    by_level = select(RiskZone.management_level, func.count()).group_by(RiskZone.management_level)
    levels = dict(session.execute(by_level).all())
    assert importance == {"key": 5, "secondary": 24, "general": 741} and levels == {1: 10, 2: 106, 3: 654}
    reached = session.scalars(select(func.count(func.distinct(ZonePerson.person_id)))).one()
    assert 0 < reached <= 336, "zones are answered for by the demo's responsible people"
    assert session.scalar(select(func.count()).select_from(Household)) == summary.households
