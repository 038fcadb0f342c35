"""Fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL.

Each test runs inside an outer transaction that is rolled back at the end (the app's own
commits become savepoints), so no test leaves anything behind.
"""

from __future__ import annotations

import getpass
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from gridgov.audit.recorder import install as install_audit
from gridgov.config import Settings
from gridgov.db import Database, make_engine
from gridgov.main import create_app
from gridgov.migrate import upgrade

install_audit()


def postgres_url() -> str | None:
    """GRIDGOV_TEST_POSTGRES_URL, or the local server on 127.0.0.1:5432 (database ``test``)."""
    explicit = os.environ.get("GRIDGOV_TEST_POSTGRES_URL")
    if explicit:
        return explicit
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            pass
    except OSError:
        return None
    return f"postgresql+psycopg://{getpass.getuser()}@127.0.0.1:5432/test"


def _sqlite_engine(directory: Path) -> Engine:
    return make_engine(f"sqlite:///{directory / 'test.db'}")


def _postgres_engine(url: str) -> tuple[Engine, str]:
    schema = f"gridgov_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"}), schema


def _drop_schema(url: str, schema: str) -> None:
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and postgres_url() is None:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432 and GRIDGOV_TEST_POSTGRES_URL unset: SQLite only")
    return str(request.param)


@contextmanager
def fresh_engine(backend: str, directory: Path) -> Iterator[Engine]:
    """An empty database of the backend: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        eng = _sqlite_engine(directory)
        try:
            yield eng
        finally:
            eng.dispose()
        return
    url = postgres_url()
    assert url is not None
    eng, schema = _postgres_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()
        _drop_schema(url, schema)


@pytest.fixture(scope="session")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated, empty database for the whole session."""
    with fresh_engine(backend, tmp_path_factory.mktemp(backend)) as eng:
        upgrade(eng)
        yield eng


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A Database whose every session joins one outer transaction, rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield Database(engine, sessions)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.sessions() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url="sqlite://",
        data_dir=tmp_path,
        login_max_failures=3,
        auth_cache_seconds=0,
        sweep_seconds=0,
        notify_seconds=0,
        warning_seconds=0,
    )


@pytest.fixture
def app(db: Database, settings: Settings) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
