"""On PostgreSQL, readings stored by one app process wake the evaluator in another: the ingest announces
them on commit and every process listens."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from gridgov.kit.pglisten import PgListener, libpq_dsn
from gridgov.migrate import upgrade
from gridgov.sensing.parsing import Reading
from gridgov.sensing.repository import READINGS_CHANNEL
from gridgov.sensing.service import Batch, Ingestor
from tests.conftest import fresh_engine, postgres_url
from tests.sensing.world import FUCHUN_GAUGE, build_gauges


def test_readings_committed_in_one_process_wake_the_listeners_of_all(tmp_path: Path) -> None:
    if postgres_url() is None:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432: notifications exist only there")
    with fresh_engine("postgresql", tmp_path) as engine:
        upgrade(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        with sessions() as session:
            build_gauges(session)
            session.commit()
        woken = threading.Event()
        listener = PgListener(libpq_dsn(engine.url), READINGS_CHANNEL, woken.set)
        listener.start()
        try:
            assert listener.listening.wait(10)
            at = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
            reading = Reading(FUCHUN_GAUGE, "rainfall", at, 1.5, "mm", "test", b"", 0)
            with sessions() as session:  # "another process": its own connection and transaction
                Ingestor(lambda: at).write(session, [Batch("http", [reading])])
                assert not woken.wait(0.3), "nothing is announced before the commit"
                session.commit()
            assert woken.wait(5), "the commit woke the listener"
        finally:
            listener.stop()
