"""Factories of the village module's tests: places of the registry, residents as principals."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov.kit.principal import Principal
from gridgov.org.enums import Role
from gridgov.org.models import Person
from gridgov.registry.models import Place
from tests.factories import COUNTY, FUCHUN, WANSHI, County, create_person

CHENGXI = f"{FUCHUN}001"
WANSHI_VILLAGE = f"{WANSHI}001"
CHENGXI_PATH = f"{COUNTY}/{FUCHUN}/{CHENGXI}/"
WANSHI_PATH = f"{COUNTY}/{WANSHI}/{WANSHI_VILLAGE}/"


def place(session: Session, code: str, type_code: str, path: str = CHENGXI_PATH) -> Place:
    created = Place(
        code=code,
        type_code=type_code,
        name=f"场所{code}",
        township_code=path.split("/")[1],
        path=path,
        lon=119.95 if FUCHUN in path else 120.05,
        lat=30.02,
        attributes={},
    )
    session.add(created)
    session.flush()
    return created


def resident(session: Session, county: County, name: str, village: str = CHENGXI) -> Principal:
    person: Person = create_person(session, county, [(Role.resident, village)], name=name, id_number=None)
    return Principal(
        account_id=None,
        person_id=person.id,
        username=name,
        name=name,
        roles=frozenset({Role.resident.value}),
        permissions=frozenset({"village:resident"}),
        scope_paths=(),
        home_paths=(county[village].path,),
    )


def staff(path: str = f"{COUNTY}/{FUCHUN}/") -> Principal:
    return Principal(
        account_id=None,
        person_id=None,
        username="staff",
        name="staff",
        roles=frozenset({Role.township_operator.value}),
        permissions=frozenset({"village:read", "village:manage"}),
        scope_paths=(path,),
    )
