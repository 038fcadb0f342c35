"""Fixtures of the village module's tests: an application with the module enabled (its tables come from its
migration branch, the module being installed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.main import create_app
from gridgov.village.module import module as village_module


@pytest.fixture
def vapp(db: Database, settings: Settings) -> FastAPI:
    return create_app(settings, db, modules=(village_module,))


@pytest.fixture
def vclient(vapp: FastAPI) -> Iterator[TestClient]:
    with TestClient(vapp) as c:
        yield c


@pytest.fixture
def vsession(db: Database) -> Iterator[Session]:
    with db.sessions() as s:
        yield s
