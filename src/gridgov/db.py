"""Engine, declarative base, column types and the per-request session."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from gridgov.kit.time import as_utc, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime stored as UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; gridgov stores timezone-aware times only")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        key = getattr(self, "id", None) or getattr(self, "code", None)
        return f"<{type(self).__name__} {key}>"


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


BUSY_TIMEOUT_MS = 10_000


SqliteSynchronous = Literal["normal", "full"]


def _set_sqlite_pragmas(synchronous: SqliteSynchronous, dbapi_connection: Any, _record: Any) -> None:
    """WAL with ``synchronous=NORMAL`` (the default): a committed transaction survives a crash of the process,
    but the last ones may be lost in a power cut or an OS crash (WAL is fsynced at checkpoints, not at every
    commit). ``FULL`` fsyncs the WAL at every commit: it survives those too, at the cost of an fsync per commit."""
    # let SQLAlchemy, not the sqlite3 module, emit BEGIN, so SAVEPOINTs work as documented
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'full' else 'NORMAL'}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


class WriteGate:
    """First come, first served for the writers of one SQLite database inside one process.

    SQLite's own wait for the write lock (``busy_timeout``) polls with growing sleeps, so a thread that
    commits and begins again at once (the observation writer under a stream of readings) can hold the
    lock almost all the time and another writer (the warning evaluator) waits seconds for a gap. Writers
    here queue in order instead, and the lock passes directly to the next in line. Other processes
    still meet at SQLite's lock."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._held = False
        self._queue: deque[threading.Event] = deque()

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(self.timeout):
            return
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ended
                return
            self._queue.remove(turn)
        raise TimeoutError(f"database is locked: no write turn within {self.timeout:g} s")

    def release(self) -> None:
        with self._mutex:
            if self._queue:
                self._queue.popleft().set()  # the lock passes on without being free in between
            else:
                self._held = False


_GATED = "gridgov_write_gate"


def _begin_sqlite(gate: WriteGate, connection: Any) -> None:
    # a writing transaction asks for IMMEDIATE: it takes its turn at the gate, then the write lock at BEGIN
    # instead of failing with "database is locked" when its read transaction tries to become a write one
    mode = connection.get_execution_options().get("sqlite_begin", "")
    if mode != "IMMEDIATE":
        connection.exec_driver_sql(f"BEGIN {mode}".strip())
        return
    gate.acquire()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        gate.release()
        raise
    connection.info[_GATED] = True


def _end_sqlite(gate: WriteGate, connection: Any) -> None:
    if connection.info.pop(_GATED, False):
        gate.release()


def _checkin_sqlite(gate: WriteGate, _dbapi_connection: Any, record: Any) -> None:
    # a connection returned to the pool while still holding its turn (closed without commit or rollback)
    if record.info.pop(_GATED, False):
        gate.release()


def make_engine(url: str, *, sqlite_synchronous: SqliteSynchronous = "normal", **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        gate = WriteGate(timeout=BUSY_TIMEOUT_MS / 1000)
        event.listen(engine, "connect", partial(_set_sqlite_pragmas, sqlite_synchronous))
        event.listen(engine, "begin", partial(_begin_sqlite, gate))
        event.listen(engine, "commit", partial(_end_sqlite, gate))
        event.listen(engine, "rollback", partial(_end_sqlite, gate))
        event.listen(engine, "checkin", partial(_checkin_sqlite, gate))
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


@dataclass
class Database:
    """One engine and its session factory; the app and the CLI each hold one."""

    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def from_url(cls, url: str, *, sqlite_synchronous: SqliteSynchronous = "normal") -> Database:
        engine = make_engine(url, sqlite_synchronous=sqlite_synchronous)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit when the block ends normally, roll back otherwise."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
