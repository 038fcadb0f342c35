"""The evaluation loop: new rainfall readings → rolling totals → zones' colours → people reached.

One process evaluates at a time (the leader: it holds a PostgreSQL advisory lock; SQLite has one
process). It keeps the rolling totals in memory and feeds them from the observations table, so every
app process may ingest (HTTP or MQTT) while the totals stay complete. Each step reads the readings
stored since the last step (by id, re-reading a margin: ids commit out of order on PostgreSQL, and a
reading added twice changes nothing) and evaluates the zones whose gauges moved. A new leader rebuilds
the totals from the table.

Time alone changes some zones too (all clear after quiet hours, expiry, a silent gauge handing over to its
fallback), so every zone is also evaluated once per ``full_every``: not in one long round, which would make
the readings arriving meanwhile wait, but a slice of the zones with each step, sized by the time since the
previous step (a rolling round).

A step reads first and takes the write lock only when a zone must change, so ingest is not held up. The
app's observation writer wakes the evaluator after each commit of new readings (at most every
``WAKE_FLOOR`` seconds); on PostgreSQL the commits of the other app processes wake it too (a
notification, see ``sensing.runtime``), and ``warning_seconds`` is the round when nothing wakes it."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.orm import Session

from gridgov.case.calendar import WorkCalendar
from gridgov.case.service import CaseService
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.actor import SYSTEM, set_actor
from gridgov.notify.tasks import alerting_for
from gridgov.org.repository import OrgRepository
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.warning.models import ZoneGauge
from gridgov.warning.rainfall import RainBook
from gridgov.warning.response import WarningResponse
from gridgov.warning.service import WarningService, ZoneChange

log = logging.getLogger(__name__)
LEADER_LOCK = 3301114  # PostgreSQL advisory lock class of the evaluator (an int4)
WAKE_FLOOR = 0.1
"""Seconds between two steps at least, when stored readings wake the evaluator: a stream of commits
becomes ten steps a second, each taking every reading stored meanwhile."""
REREAD_MARGIN = 2_000
"""Observation ids re-read behind the newest seen (late commits on PostgreSQL)."""

_NEW_RAINFALL = (
    select(Observation.id, Station.code, Observation.phenomenon_time, Observation.value)
    .join(Datastream, Datastream.id == Observation.datastream_id)
    .join(Station, Station.id == Datastream.station_id)
    .where(Datastream.property == "rainfall", Observation.id > bindparam("after"))
    .order_by(Observation.id)
)
_ZONES_OF = select(ZoneGauge.zone_id).where(ZoneGauge.station_code.in_(bindparam("codes", expanding=True))).distinct()


class WarningEvaluator:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Callable[[], datetime],
        calendar: WorkCalendar | None = None,
        full_every: timedelta = timedelta(minutes=1),
    ) -> None:
        self.database, self.settings, self.clock, self.calendar = database, settings, clock, calendar
        self.full_every = full_every
        self.book: RainBook | None = None
        self.seen_id = 0
        self.cursor = 0
        """The last zone id of the rolling round (0: the round starts again)."""
        self.zone_count = 0
        self.last_step: datetime | None = None
        self.assessed = 0
        """How many zones the last step assessed (for benchmarks)."""
        self._leader: Connection | None = None
        self._lock = threading.Lock()

    # leadership ------------------------------------------------------------------------------
    def _lead(self) -> bool:
        if self.database.engine.dialect.name != "postgresql":
            return True
        if self._leader is None:
            connection = self.database.engine.connect()
            # keyed by schema too: deployments (and test runs) sharing one PostgreSQL database each elect a leader
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"), {"k": LEADER_LOCK}
            ).scalar()
            connection.commit()
            if not got:
                connection.close()
                self.book = None  # another process leads; rebuild if we take over later
                return False
            self._leader = connection
        return True

    def __enter__(self) -> WarningEvaluator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._leader is not None:
            # unlock before close: a pooled connection outlives close(), and its session lock with it
            self._leader.execute(text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"), {"k": LEADER_LOCK})
            self._leader.commit()
            self._leader.close()
            self._leader = None

    # the loop --------------------------------------------------------------------------------
    def step(self, *, whole: bool = False) -> list[ZoneChange]:
        """Evaluate what changed since the last step and the rolling round's next slice (or every zone:
        ``whole``, and always after the totals were rebuilt); returns the zones' changes (already
        answered by notices and patrol cases, and committed)."""
        with self._lock:
            if not self._lead():
                return []
            now = self.clock()
            # read first, without the write lock: new readings, then which zones must change
            with self.database.sessions() as reading:
                service = WarningService(reading)
                whole = self.book is None or whole
                zone_ids = self._feed(reading, service, now)
                if not whole:
                    due = self._slice(service, now)
                    whole = due is None
                    zone_ids |= due or set()
                self.last_step = now
                if whole:
                    self.cursor, self.zone_count = 0, service.repo.count_zones()
                elif not zone_ids:
                    self.assessed = 0
                    return []
                assert self.book is not None
                assessed = service.assess(self.book, now, zone_ids=None if whole else sorted(zone_ids))
                self.assessed = self.zone_count if whole else len(zone_ids)
            if not assessed:
                return []
            with self.database.sessions() as session:
                if session.get_bind().dialect.name == "sqlite":
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                set_actor(session, SYSTEM)
                changes = WarningService(session).act(assessed, now)
                if changes:
                    response = WarningResponse(
                        session,
                        alerting_for(session, self.settings, now),
                        CaseService(session, calendar=self.calendar, clock=lambda: now),
                        county_path(session),
                    )
                    response.handle(changes)
                session.commit()
            return changes

    def _slice(self, service: WarningService, now: datetime) -> set[int] | None:
        """The rolling round's zones due in this step: the share of all zones that the time since the
        last step is of ``full_every``; None when that is all of them."""
        elapsed = (now - self.last_step) if self.last_step is not None else self.full_every
        share = elapsed / self.full_every
        if share >= 1:
            return None
        wanted = math.ceil(self.zone_count * share)
        if wanted == 0:
            return set()
        due = service.repo.zone_ids_after(self.cursor, wanted)
        if len(due) < wanted:  # the round is complete: start the next one
            self.zone_count = service.repo.count_zones()
            due += service.repo.zone_ids_after(0, min(wanted - len(due), self.zone_count))
        self.cursor = due[-1] if due else 0
        return set(due)

    def _feed(self, session: Session, service: WarningService, now: datetime) -> set[int]:
        """Bring the totals up to date; returns the zones whose gauges received readings. Only the touched
        gauges' totals are read (and moved to ``now``) in an incremental step; a full round reads them all."""
        if self.book is None:
            self.book = service.rain_book_from_observations(now)
            self.seen_id = session.scalar(select(Observation.id).order_by(Observation.id.desc()).limit(1)) or 0
            return set()
        touched: set[str] = set()
        # SQLite commits ids in order; PostgreSQL may commit a lower id after a higher one was seen
        margin = REREAD_MARGIN if session.get_bind().dialect.name == "postgresql" else 0
        newest = self.seen_id
        for obs_id, code, at, mm in session.execute(_NEW_RAINFALL, {"after": max(0, self.seen_id - margin)}):
            if self.book.add(code, at, float(mm)):  # a reading seen before changes nothing
                touched.add(code)
            newest = max(newest, obs_id)
        self.seen_id = newest
        if not touched:
            return set()
        return set(session.scalars(_ZONES_OF, {"codes": sorted(touched)}))


def county_path(session: Session) -> str:
    root = OrgRepository(session).root()
    return root.path if root is not None else "/"
