"""Places, posts and people of the inspection tests, on the test county of ``tests.factories``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from gridgov.geo.service import geo_service
from gridgov.inspection.models import DutyMember, DutyPost
from gridgov.org.duty import VILLAGE_DUTY_ROOM
from gridgov.org.enums import Role, UnitKind
from gridgov.org.models import Person, Unit
from gridgov.registry.models import Place
from tests.factories import FUCHUN, County, create_person

VILLAGE = f"{FUCHUN}001"
"""城西社区 (119.90–119.95), grids 001 south of 30.05 and 002 north."""
GRID = f"{VILLAGE}001"
SHIFTS: list[dict[str, Any]] = [
    {"code": "day", "start": "08:00", "hours": 12, "night": False, "required": {"member": 1}},
    {"code": "night", "start": "20:00", "hours": 12, "night": True, "required": {"member": 1}},
]


def add_place(session: Session, code: str, type_code: str, lon: float, lat: float) -> Place:
    where = geo_service.locate(session, lon, lat)
    assert where.township is not None
    place = Place(
        code=code,
        type_code=type_code,
        name=f"场所{code}",
        address=f"测试路{code}号",
        lon=lon,
        lat=lat,
        township_code=where.township.code,
        grid_code=where.grid.code if where.grid else None,
        path=where.path,
        owner_name="房东",
        contact_phone="13900000000",
        attributes={},
        synthetic=True,
    )
    session.add(place)
    session.flush()
    return place


def emergency_centre(session: Session, county: County) -> Unit:
    unit = Unit(code=f"{FUCHUN}-YJZX", name="富春应急管理中心", kind=UnitKind.office.value, node_id=county[FUCHUN].id)
    session.add(unit)
    session.flush()
    return unit


def duty_room(
    session: Session, county: County, people: int = 4, unavailable: dict[int, list[date]] | None = None
) -> tuple[DutyPost, list[Person]]:
    """The village duty room of 城西社区 with its members (day and night shifts of 12 hours, one member each)."""
    post = DutyPost(
        code="CX-ZBS",
        name="城西社区值班室",
        kind=VILLAGE_DUTY_ROOM,
        path=county[VILLAGE].path,
        serves=[],
        lon=119.92,
        lat=30.02,
        shifts=SHIFTS,
        synthetic=True,
    )
    session.add(post)
    session.flush()
    members = []
    for i in range(people):
        person = create_person(session, county, [(Role.village_cadre, VILLAGE)], name=f"值班员{i + 1}")
        away = [d.isoformat() for d in (unavailable or {}).get(i, [])]
        session.add(DutyMember(post_id=post.id, person_id=person.id, role="member", unavailable=away))
        members.append(person)
    session.flush()
    return post, members
