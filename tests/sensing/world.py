"""Shared set-up of the sensing tests: the two-township county with a rain gauge in each township."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gridgov.auth.service import principal_for
from gridgov.kit.principal import Principal
from gridgov.org.enums import Role
from gridgov.sensing.schemas import DatastreamCreate, StationCreate
from gridgov.sensing.service import SensingService
from tests.factories import COUNTY, County, build_county, create_account, create_person

FUCHUN_GAUGE = "RG-FC-001"
WANSHI_GAUGE = "RG-WS-001"
FUCHUN_POINT = (119.95, 30.02)
WANSHI_POINT = (120.05, 30.02)


@dataclass
class Gauges:
    county: County
    admin: Principal


def build_gauges(session: Session, interval: int = 300) -> Gauges:
    county = build_county(session)
    account = create_account(session, create_person(session, county, [(Role.admin, COUNTY)], name="管理员"), "admin")
    admin = principal_for(account)
    service = SensingService(session)
    for code, (lon, lat), name in (
        (FUCHUN_GAUGE, FUCHUN_POINT, "富春雨量站"),
        (WANSHI_GAUGE, WANSHI_POINT, "万市雨量站"),
    ):
        service.create_station(
            admin,
            StationCreate(code=code, kind="rain_gauge", name=name, lon=lon, lat=lat, interval_seconds=interval),
        )
        service.add_datastream(admin, code, DatastreamCreate(property="rainfall"))
    return Gauges(county, admin)
