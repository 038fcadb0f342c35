"""Periodic work of the case domain: the overdue sweep (超期升级与督办).

Safe with several app processes: each batch locks its rows with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers), and a case records the deadline it was escalated for, so
every step fires once however many sweepers run.
"""

from __future__ import annotations

from datetime import datetime

from gridgov.case.calendar import WorkCalendar
from gridgov.case.repository import CaseRepository
from gridgov.case.service import CaseService
from gridgov.case.workflow import CaseState
from gridgov.db import Database
from gridgov.kit.actor import SYSTEM, set_actor

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
