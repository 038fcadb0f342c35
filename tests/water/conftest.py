"""Fixtures of the water module's tests: its tables (created on the session's database when the module is not
installed yet, else already there from its migration branch) and an application with the module enabled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app
from gridgov.module import installed
from gridgov.water.models import Bill, IntakePoint, IntakeUser, Letter, Permit, Plan
from gridgov.water.module import module as water_module


@pytest.fixture(scope="session")
def water_engine(engine: Engine) -> Engine:
    tables = [t.__table__ for t in (IntakeUser, IntakePoint, Permit, Plan, Bill, Letter)]
    IntakeUser.metadata.create_all(engine, tables=tables, checkfirst=True)  # type: ignore[arg-type]
    return engine


@pytest.fixture
def wdb(water_engine: Engine, db: Database) -> Database:
    return db


@pytest.fixture
def wsession(wdb: Database) -> Iterator[Session]:
    with wdb.sessions() as s:
        yield s


@pytest.fixture
def wapp(wdb: Database, settings: Settings) -> FastAPI:
    others = tuple(m for m in installed() if m.name != "water")
    return create_app(settings, wdb, modules=(*others, water_module))


@pytest.fixture
def wclient(wapp: FastAPI) -> Iterator[TestClient]:
    with TestClient(wapp) as c:
        yield c
