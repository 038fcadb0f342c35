"""SQLite writers of one process take turns: a busy writer does not starve the others."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from gridgov.config import Settings
from gridgov.db import WriteGate, make_engine
from gridgov.main import create_app


def test_a_writer_that_never_pauses_does_not_starve_another(tmp_path: Path) -> None:
    """The observation writer commits back to back under a stream of readings; the warning evaluator's
    write must still get its turn at once (SQLite's own busy wait let it wait seconds)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    immediate = engine.execution_options(sqlite_begin="IMMEDIATE")
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            with immediate.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (1)"))
                time.sleep(0.01)  # a batch's work, holding the write lock

    hog = threading.Thread(target=busy)
    hog.start()
    try:
        time.sleep(0.1)
        waits = []
        for _ in range(5):
            began = time.monotonic()
            with immediate.begin() as connection:
                waits.append(time.monotonic() - began)
                connection.execute(text("INSERT INTO t VALUES (2)"))
            time.sleep(0.02)
    finally:
        stop.set()
        hog.join()
        engine.dispose()
    assert max(waits) < 0.2, waits  # one batch at most, not SQLite's backing-off sleeps


def test_the_gate_serves_in_order_and_gives_up_after_its_timeout() -> None:
    gate = WriteGate(timeout=30)  # long enough that a loaded machine never times a waiter out here
    gate.acquire()
    order: list[int] = []

    def wait_turn(n: int) -> None:
        gate.acquire()
        order.append(n)
        gate.release()

    waiters = [threading.Thread(target=wait_turn, args=(n,)) for n in range(3)]
    for waiter in waiters:
        waiter.start()
        time.sleep(0.02)  # queue them in a known order
    gate.release()
    for waiter in waiters:
        waiter.join()
    assert order == [0, 1, 2]
    gate.acquire()
    gate.timeout = 0.2
    with pytest.raises(TimeoutError, match="database is locked: no write turn within 0.2 s"):
        gate.acquire()
    gate.release()
    gate.acquire()  # the timed-out waiter left the queue: the gate still works
    gate.release()


@pytest.mark.parametrize(("setting", "pragma"), [("normal", 1), ("full", 2)])
def test_sqlite_durability_follows_the_setting(tmp_path: Path, setting: str, pragma: int) -> None:
    """GRIDGOV_SQLITE_SYNCHRONOUS=full: every commit is fsynced (survives a power cut); normal: WAL's default."""
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        data_dir=tmp_path,
        sqlite_synchronous=setting,
    )
    with create_app(settings).state.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == pragma
