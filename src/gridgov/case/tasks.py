"""Periodic work of the case domain: the overdue sweep (超期升级与督办).

Safe with several app processes: each batch locks its rows with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers), and a case records the deadline it was escalated for, so
every step fires once however many sweepers run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from gridgov.audit.recorder import SYSTEM, set_actor
from gridgov.case.calendar import WorkCalendar
from gridgov.case.repository import CaseRepository
from gridgov.case.service import CaseService
from gridgov.case.workflow import CaseState
from gridgov.db import Database
from gridgov.kit.time import utcnow

log = logging.getLogger(__name__)
CLOCKED = [s.value for s in (CaseState.reported, CaseState.filed, CaseState.dispatched, CaseState.handling)]


def sweep(database: Database, now: datetime, calendar: WorkCalendar | None = None, batch: int = 100) -> int:
    """Escalate every case whose deadline has passed; returns how many steps fired."""
    fired = 0
    while True:
        with database.sessions() as session:
            if session.get_bind().dialect.name == "sqlite":
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            set_actor(session, SYSTEM)
            cases = CaseRepository(session).overdue_for_update(now, CLOCKED, batch)
            service = CaseService(session, calendar=calendar, clock=lambda: now)
            for case in cases:
                service.escalate_overdue(case, now)
            session.commit()
        fired += len(cases)
        if len(cases) < batch:
            return fired


class Sweeper:
    """The in-process scheduler: runs :func:`sweep` every ``interval`` seconds in a daemon thread."""

    def __init__(
        self, database: Database, interval: float, calendar: WorkCalendar, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.database, self.interval, self.calendar, self.clock = database, interval, calendar, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridgov-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                fired = sweep(self.database, self.clock(), self.calendar)
                if fired:
                    log.info("overdue sweep", extra={"escalations": fired})
            except Exception:  # a failed sweep must not kill the scheduler; the next one retries
                log.exception("overdue sweep failed")
