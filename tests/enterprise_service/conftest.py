"""Fixtures of the enterprise-service tests: the module's tables come from its migration branch (the module is
installed); an application with the module enabled; a small county with enterprises."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.case.catalogue import save_taxonomy
from gridgov.case.taxonomy import default_taxonomy
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.enterprise_service.models import EnterpriseAccount
from gridgov.enterprise_service.module import module as es_module
from gridgov.main import create_app
from gridgov.module import installed
from gridgov.org.enums import Role, UnitKind
from gridgov.org.models import Unit
from gridgov.registry.credit_code import generate
from gridgov.registry.models import Enterprise
from tests.factories import COUNTY, FUCHUN, WANSHI, County, bearer, build_county, create_account, create_person, user


@pytest.fixture
def es_app(db: Database, settings: Settings) -> FastAPI:
    others = tuple(m for m in installed() if m.name != "enterprise_service")
    return create_app(settings, db, modules=(*others, es_module))


@pytest.fixture
def es_client(es_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(es_app) as c:
        yield c


def add_enterprise(session: Session, serial: int, township: str, lon: float, name: str) -> Enterprise:
    village = f"{township}001"
    enterprise = Enterprise(
        credit_code=generate("330111", serial),
        name=name,
        industry_code="C3670",
        township_code=township,
        path=f"{COUNTY}/{township}/{village}/{village}001/",
        lon=lon,
        lat=30.02,
        land_area_m2=20_000.0,
        employees=100,
        attributes={},
        synthetic=True,
    )
    session.add(enterprise)
    session.flush()
    return enterprise


@dataclass
class World:
    county: County
    fuchun_co: Enterprise
    wanshi_co: Enterprise
    other_co: Enterprise
    admin: dict[str, str]
    fuchun: dict[str, str]
    wanshi: dict[str, str]
    grid: dict[str, str]
    company: dict[str, str]
    """The enterprise account of ``fuchun_co``."""


def build_world(session: Session) -> World:
    county = build_county(session)
    save_taxonomy(session, default_taxonomy())
    for code, name, at in (
        (f"{COUNTY}-SZZX", "区社会治理中心", COUNTY),
        (f"{COUNTY}-GDGS", "区供电公司", COUNTY),
        (f"{FUCHUN}-GDS", "富春供电所", FUCHUN),
        (f"{WANSHI}-GDS", "万市供电所", WANSHI),
    ):
        session.add(Unit(code=code, name=name, kind=UnitKind.utility.value, node_id=county[at].id))
    fuchun_co = add_enterprise(session, 1, FUCHUN, 119.95, "富春汽配有限公司")
    other_co = add_enterprise(session, 2, FUCHUN, 119.96, "富春纸业有限公司")
    wanshi_co = add_enterprise(session, 3, WANSHI, 120.05, "万市机械有限公司")
    person = create_person(session, county, [(Role.enterprise, f"{FUCHUN}001")], name="企业联系人")
    account = create_account(session, person, "qiye")
    session.add(EnterpriseAccount(account_id=account.id, enterprise_id=fuchun_co.id))
    session.flush()
    return World(
        county=county,
        fuchun_co=fuchun_co,
        wanshi_co=wanshi_co,
        other_co=other_co,
        admin=user(session, county, "admin", Role.admin, COUNTY),
        fuchun=user(session, county, "fuchun", Role.township_operator, FUCHUN),
        wanshi=user(session, county, "wanshi", Role.township_operator, WANSHI),
        grid=user(session, county, "grid", Role.grid_member, f"{FUCHUN}001001"),
        company=bearer(session, account),
    )


@pytest.fixture
def world(session: Session) -> World:
    built = build_world(session)
    session.commit()
    return built
