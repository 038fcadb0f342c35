"""Fixtures of the carbon module's tests: the demo park (106 synthetic chemical enterprises in 富春街道 and a
year of months), built once per test module in an outer transaction rolled back afterwards, with three more
chemical enterprises in 万市镇 (outside a 富春 operator's area), and an application over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gridgov.carbon.demo import CarbonSummary, build_carbon
from gridgov.carbon.models import EnergyMonth
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app
from gridgov.org.enums import Role
from gridgov.registry.credit_code import generate
from gridgov.registry.models import Enterprise
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user

YEAR = 2025


@dataclass
class Park:
    client: TestClient
    database: Database
    summary: CarbonSummary
    admin: dict[str, str]
    fuchun: dict[str, str]
    wanshi: dict[str, str]
    wanshi_ids: list[int]


def wanshi_enterprises(session: Session) -> list[int]:
    """Three chemical enterprises in 万市镇 with a full year each (electricity 400,000 kWh × (i + 1) a month)."""
    ids = []
    for i in range(3):
        enterprise = Enterprise(
            credit_code=generate("330111", 99_000_000 + i * 31),
            name=f"万市化工{i}（模拟）",
            industry_code="C2614",
            township_code=WANSHI,
            path=f"{COUNTY}/{WANSHI}/{WANSHI}001/",
            land_area_m2=20_000.0,
            employees=80,
            capacity_kva=2000.0 + 1000 * i,
            roof_area_m2=3000.0,
            attributes={},
            synthetic=True,
        )
        session.add(enterprise)
        session.flush()
        ids.append(enterprise.id)
        for m in range(1, 13):
            session.add(
                EnergyMonth(
                    enterprise_id=enterprise.id,
                    month=date(YEAR, m, 1),
                    electricity_kwh=400_000.0 * (i + 1),
                    gas_m3=20_000.0,
                    steam_gj=900.0,
                    output_value=800.0,
                    tax=40.0,
                    source="import",
                )
            )
    session.flush()
    return ids


@pytest.fixture(scope="module")
def park(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Park]:
    connection = engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    database = Database(engine, sessions)
    with database.sessions() as session:
        county = build_county(session)
        summary = build_carbon(session, 20240601, YEAR, township=FUCHUN)
        ids = wanshi_enterprises(session)
        admin = user(session, county, "carbon-admin", Role.admin, COUNTY)
        fuchun = user(session, county, "carbon-fuchun", Role.township_operator, FUCHUN)
        wanshi = user(session, county, "carbon-wanshi", Role.township_operator, WANSHI)
        session.commit()
    directory: Path = tmp_path_factory.mktemp("carbon")
    settings = Settings(environment="test", database_url="sqlite://", data_dir=directory, auth_cache_seconds=0,
                        sweep_seconds=0, notify_seconds=0, warning_seconds=0)  # fmt: skip
    try:
        with TestClient(create_app(settings, database)) as client:
            yield Park(client, database, summary, admin, fuchun, wanshi, ids)
    finally:
        outer.rollback()
        connection.close()
