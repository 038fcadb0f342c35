"""kill -9 of a real server process in the middle of a stream of case reports from several clients, several times
at random moments: every report answered 201 is in the database after the restart, and none is stored twice
(an unanswered one may or may not have landed: the client does not know, and retries with its own key)."""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.case.models import Case
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.migrate import upgrade
from gridgov.org.enums import Role
from tests.conftest import fresh_engine
from tests.factories import COUNTY, build_county, create_account, create_person
from tests.sensing.test_crash import Server, _url

ROUNDS = 3
CLIENTS = 4


class Reporter:
    """A client reporting cases one after another; remembers the descriptions the server answered 201."""

    def __init__(self, port: int, token: str, name: str) -> None:
        self.port, self.token, self.name = port, token, name
        self.answered: set[str] = set()
        self.sent = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            description = f"{self.name}-{self.sent}"
            self.sent += 1
            body = json.dumps({"category": "0401", "description": description, "lon": 119.95, "lat": 30.05}).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/api/v1/cases",
                data=body,
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 201:
                        self.answered.add(description)
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)  # the server is down: the next report waits for it


@pytest.fixture
def migrated(backend: str, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(backend, tmp_path) as eng:
        upgrade(eng)
        yield eng


def _stored(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        return Counter(connection.execute(select(Case.description)).scalars())


def test_kill_9_loses_and_doubles_no_answered_report(backend: str, migrated: Engine, tmp_path: Path) -> None:
    engine = migrated
    settings = Settings(environment="test", data_dir=tmp_path / "var")
    with Database(engine, sessionmaker(engine, expire_on_commit=False)).session() as session:
        county = build_county(session)
        person = create_person(session, county, [(Role.admin, COUNTY), (Role.grid_member, COUNTY)], name="上报员")
        account = create_account(session, person, "crash-reporter")
        token = AuthService(session, settings).create_token(account.id, TokenCreate(name="crash")).token
    tag = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": _url(backend, engine),
        "GRIDGOV_ENVIRONMENT": "test",
        "GRIDGOV_DATA_DIR": str(tmp_path / "var"),
        "GRIDGOV_SECRET_KEY": f"crash-test-{tag}",
        "GRIDGOV_MQTT_INGEST": "false",
        "GRIDGOV_SWEEP_SECONDS": "0",
        "GRIDGOV_NOTIFY_SECONDS": "0",
        "GRIDGOV_WARNING_SECONDS": "0",
        "GRIDGOV_SENSING_CHECK_SECONDS": "0",
        "GRIDGOV_LOG_LEVEL": "WARNING",
    }
    seed = random.randrange(1 << 30)
    moments = random.Random(seed)
    with (tmp_path / "server.log").open("w") as log:
        server = Server(env, log)
        server.start()
        reporters = [Reporter(server.port, token, f"r{i}-{tag}") for i in range(CLIENTS)]
        report = []
        try:
            for _round in range(ROUNDS):
                before = sum(len(r.answered) for r in reporters)
                deadline = time.monotonic() + 60
                while sum(len(r.answered) for r in reporters) < before + 20 and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(moments.uniform(0.1, 1.5))
                server.kill()
                answered = set().union(*(r.answered for r in reporters))
                stored = _stored(engine)
                report.append(f"kill: answered {len(answered)}, stored {sum(stored.values())}")
                assert answered, "no report was answered before the kill"
                assert answered <= set(stored), f"answered, not stored: {sorted(answered - set(stored))[:10]}"
                server.start()
        finally:
            for reporter in reporters:
                reporter.stop.set()
            for reporter in reporters:
                reporter.thread.join(15)
            server.stop()
    answered = set().union(*(r.answered for r in reporters))
    stored = _stored(engine)
    print(f"seed {seed}; " + "; ".join(report) + f"; {len(answered)} answered, {sum(stored.values())} stored")  # noqa: T201
    assert answered <= set(stored), f"lost: {sorted(answered - set(stored))[:10]} (seed {seed})"
    assert max(stored.values()) == 1, f"stored twice: {[d for d, n in stored.items() if n > 1][:10]} (seed {seed})"
