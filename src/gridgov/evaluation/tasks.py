"""Periodic work of the evaluation: the per-case facts' catch-up, the monthly run, and the report command's
writer."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gridgov.db import Database
from gridgov.errors import AppError
from gridgov.evaluation.periods import Period
from gridgov.evaluation.records_repository import RecordRepository
from gridgov.evaluation.report import collect, render_pdf, render_xlsx
from gridgov.evaluation.repository import EvaluationRepository
from gridgov.evaluation.service import EvaluationService, flags_of
from gridgov.kit.time import utcnow

log = logging.getLogger(__name__)


def report_bytes(service: EvaluationService, period: Period, fmt: str, township: str | None = None) -> bytes:
    data = collect(service, period, township)
    return render_pdf(data) if fmt == "pdf" else render_xlsx(data, service)


def write_report(database: Database, period_text: str, out: Path, township: str | None = None) -> int:
    """Write the report of a period to ``out`` (.pdf or .xlsx); returns its size."""
    period = Period.parse(period_text)
    with database.session() as session:
        data = report_bytes(EvaluationService(session), period, out.suffix.lower().lstrip("."), township)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return len(data)


FACTS_LOCK = 3301115  # PostgreSQL advisory lock class of the facts' catch-up (an int4)


def catch_up_facts(database: Database, now: datetime) -> int:
    """Bring the stored per-case facts up to the last committed event (the periodic job; the monthly run
    calls it too). Figures never wait for it: cases with events it has not read are derived when read.

    Safe with several processes: on PostgreSQL one process at a time (an advisory lock on its own connection,
    unlocked before that connection goes back to the pool), and the mark stops at an event id below which
    every event is committed (``LOCK TABLE … IN SHARE MODE`` waits for the case writes in flight, for at most
    half a second, and is released at once); on SQLite every batch is one ``BEGIN IMMEDIATE`` transaction and
    ids are handed out under the write lock. Returns how far the mark moved (event ids)."""
    if database.engine.dialect.name != "postgresql":
        return _catch_up(database, now)
    with database.engine.connect() as leader:
        got = leader.scalar(text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"), {"k": FACTS_LOCK})
        leader.commit()
        if not got:
            return 0
        try:
            return _catch_up(database, now)
        finally:
            leader.execute(text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"), {"k": FACTS_LOCK})
            leader.commit()


def _catch_up(database: Database, now: datetime) -> int:
    with database.sessions() as session:
        repo = EvaluationRepository(session)
        if session.get_bind().dialect.name == "postgresql":
            try:
                session.execute(text("SET LOCAL lock_timeout = '500ms'"))
                session.execute(text("LOCK TABLE case_event IN SHARE MODE"))
            except OperationalError:  # a long case write in flight: try again next time
                session.rollback()
                return 0
        upto = repo.last_event_id()
        session.commit()
    with database.sessions() as session:

        def commit() -> None:
            session.commit()
            _write_lock(session)

        _write_lock(session)
        moved = EvaluationService(session, clock=lambda: now).catch_up(upto, between=commit)
        session.commit()
    return moved


STALE = timedelta(hours=1)


def monthly_run(database: Database, now: datetime, kind: str = "monthly") -> int:
    """Once a month has ended: evaluate it, award its flags, and store its PDF and XLSX reports.

    Safe with several processes: the run of a period is claimed by inserting its row (unique per period),
    so exactly one process does it; a claim older than an hour that never finished is taken over by a
    compare-and-set update. Returns 1 when this process did the run, else 0."""
    from gridgov.evaluation.models import Report, Run

    period = Period.month_of(now).previous()
    with database.sessions() as session:
        _write_lock(session)
        records = RecordRepository(session)
        existing = records.run(period.key, kind)
        if existing is not None:
            if existing.state == "done" or not records.reclaim(existing.id, now - STALE, now):
                session.rollback()
                return 0
            session.commit()
            run_id = existing.id
        else:
            run = Run(period=period.key, kind=kind, state="running", started_at=now)
            session.add(run)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return 0
            run_id = run.id
    detail: dict[str, object] = {}
    state = "done"
    try:
        catch_up_facts(database, now)
        # everything is computed in a reading transaction; the writes come after, in a short one
        with database.sessions() as session:
            service = EvaluationService(session, clock=lambda: now)
            flags = flags_of(service, period)
            files: dict[str, bytes] = {}
            for fmt in ("xlsx", "pdf"):
                try:
                    files[fmt] = report_bytes(service, period, fmt)
                except AppError as exc:  # no Chinese font, or no cases in the period
                    detail[f"{fmt}_error"] = exc.message
        with database.session() as session:
            _write_lock(session)
            records = RecordRepository(session)
            for level, rows in flags.items():
                records.replace_flags(period.key, level, rows)
            for fmt, content in files.items():
                row = records.report(period.key, fmt) or Report(period=period.key, fmt=fmt)
                row.content, row.size, row.created_at = content, len(content), now
                session.add(row)
            detail["flags"] = {level: len(rows) for level, rows in flags.items()}
            detail.update({fmt: len(content) for fmt, content in files.items()})
    except Exception as exc:  # recorded on the run; the periodic job logs it and a later run retries
        state, detail["error"] = "failed", str(exc)[:500]
        log.exception("monthly evaluation run failed", extra={"period": period.key})
    with database.session() as session:
        _write_lock(session)
        run_row = session.get(Run, run_id)
        if run_row is not None:
            run_row.state, run_row.finished_at, run_row.detail = state, utcnow(), detail
    return 1 if state == "done" else 0


def _write_lock(session: Session) -> None:
    """SQLite: take the write lock at BEGIN (IMMEDIATE), as the case sweep does, so that reading first and
    writing after cannot fail with "database is locked"."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def award_past_months(session: Session, now: datetime, count: int) -> int:
    """Flags of the ``count`` complete months before ``now`` (the demo's history); returns how many."""
    from gridgov.evaluation.service import award_flags

    service = EvaluationService(session, clock=lambda: now)
    period = Period.month_of(now)
    total = 0
    for _ in range(count):
        period = period.previous()
        total += sum(award_flags(service, period).values())
    return total
