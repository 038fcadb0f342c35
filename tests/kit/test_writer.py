"""The batch writer: many requests share a transaction, yet each one lands or fails on its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gridgov.audit.models import AuditLog
from gridgov.case.models import Holiday
from gridgov.db import Database
from gridgov.errors import InvalidInput
from gridgov.kit.actor import Actor
from gridgov.kit.writer import BatchWriter
from gridgov.migrate import upgrade
from tests.conftest import fresh_engine

START = date(2031, 1, 1)


def _insert(day: date) -> Callable[[Session], int]:
    def job(session: Session) -> int:
        row = Holiday(day=day, is_workday=False, name="测试")
        session.add(row)
        session.flush()
        return row.id

    return job


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[Database]:
    with fresh_engine(backend, tmp_path) as engine:
        upgrade(engine)
        yield Database(engine, sessionmaker(engine, expire_on_commit=False))


def test_concurrent_jobs_share_transactions_and_a_bad_one_fails_alone(database: Database) -> None:
    writer = BatchWriter(database)
    futures: list[Future[int]] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        for n in range(50):
            day = START + timedelta(days=offset * 50 + n)
            future = writer.submit(_insert(day), Actor(None, f"client-{offset}"))
            with lock:
                futures.append(future)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duplicate = writer.submit(_insert(START))  # the same day again: the unique constraint refuses it
    for future in futures:
        future.result(timeout=30)
    with pytest.raises(IntegrityError):
        duplicate.result(timeout=30)
    writer.stop()

    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Holiday)) == 200
        actors = set(session.scalars(select(AuditLog.actor_name).where(AuditLog.entity == "holiday")))
    assert actors == {f"client-{i}" for i in range(4)}, "each job is audited under its own requester"
    assert writer.jobs == 201 and writer.batches < writer.jobs, "waiting jobs were grouped"


def test_an_application_error_reaches_the_requester_and_the_batch_still_lands(database: Database) -> None:
    writer = BatchWriter(database, max_batch=8)
    gate = threading.Event()

    def slow(session: Session) -> None:
        gate.wait(5)  # holds the writer so that the next jobs queue up and form one batch

    def refuse(session: Session) -> None:
        session.add(Holiday(day=START - timedelta(days=1), is_workday=True, name="不应写入"))
        raise InvalidInput("日期不对 (bad day)", field="day")

    first = writer.submit(slow)
    queued = [writer.submit(_insert(START + timedelta(days=n))) for n in range(3)]
    bad = writer.submit(refuse)
    gate.set()
    first.result(timeout=10)
    assert all(isinstance(f.result(timeout=10), int) for f in queued)
    with pytest.raises(InvalidInput) as refused:
        bad.result(timeout=10)
    assert refused.value.field == "day"
    writer.stop()
    with database.sessions() as session:
        days = set(session.scalars(select(Holiday.day)))
    assert days == {START + timedelta(days=n) for n in range(3)}, "the refused job wrote nothing"
