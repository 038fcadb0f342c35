"""Tables of the evaluation: the per-case facts the indicators are summed from (kept up to date from the case
events), the flags awarded each month (their history per unit), the monthly runs (one per period, claimed by
one process), and the reports they produced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, UTCDateTime
from gridgov.kit.time import utcnow

NO_CARRY = 0
"""``carry_until`` of a month after which nothing is carried (the case ended closed, cancelled or merged)."""
OPEN_END = 999912
"""``carry_until`` of a case still open after its last event: carried into every later month."""


class CaseFact(Base):
    """One case in one month (Beijing time) in which it has events: what its events up to the end of that
    month say, derived from the case events alone (``EvaluationRepository.derived_facts``).

    Three kinds of columns. *Raw* ones (``*_m``: over the month's events; the others: over every event up
    to the month's end; event ids and times) let a longer period (quarter, year) combine its months. The
    *month* flags (0/1, the ``Counts`` of the case in this month, less 监督举报 which depends on the
    configuration) make a month one sum over rows. The *carry* flags are what the case counts for in a
    later month without any event of its own (before ``carry_until``, the month of its next event): still
    waiting, deferred or hung at the month's start."""

    __tablename__ = "evaluation_case_fact"
    __table_args__ = (
        Index("ix_evaluation_case_fact_month", "month"),
        Index("ix_evaluation_case_fact_carry", "carry_until", "month"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    """YYYYMM in Beijing time."""
    carry_until: Mapped[int] = mapped_column(Integer)
    """The month of the case's next event; ``OPEN_END`` if it stays open, ``NO_CARRY`` if it ended."""
    state_start: Mapped[str | None] = mapped_column(String(16))
    state_end: Mapped[str] = mapped_column(String(16))
    received_m: Mapped[int | None] = mapped_column(SmallInteger)
    file_m: Mapped[int | None] = mapped_column(Integer)
    dispatch_m: Mapped[int | None] = mapped_column(Integer)
    give_back_m: Mapped[int | None] = mapped_column(Integer)
    enter_close_m: Mapped[int | None] = mapped_column(SmallInteger)
    enter_handle_m: Mapped[int | None] = mapped_column(SmallInteger)
    close_m: Mapped[int | None] = mapped_column(Integer)
    handled_m: Mapped[int | None] = mapped_column(Integer)
    handled_at_m: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_m: Mapped[int | None] = mapped_column(SmallInteger)
    extended_m: Mapped[int | None] = mapped_column(SmallInteger)
    first_dispatch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_late: Mapped[int | None] = mapped_column(Integer)
    last_late: Mapped[int | None] = mapped_column(Integer)
    first_filing_late: Mapped[int | None] = mapped_column(Integer)
    last_enter_handle: Mapped[int | None] = mapped_column(Integer)
    fails: Mapped[int | None] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(SmallInteger)
    filed: Mapped[int] = mapped_column(SmallInteger)
    filed_on_time: Mapped[int] = mapped_column(SmallInteger)
    dispatched: Mapped[int] = mapped_column(SmallInteger)
    accurate_dispatched: Mapped[int] = mapped_column(SmallInteger)
    returned: Mapped[int] = mapped_column(SmallInteger)
    due_handle: Mapped[int] = mapped_column(SmallInteger)
    handled: Mapped[int] = mapped_column(SmallInteger)
    handled_on_time: Mapped[int] = mapped_column(SmallInteger)
    extended: Mapped[int] = mapped_column(SmallInteger)
    overdue_waiting: Mapped[int] = mapped_column(SmallInteger)
    due_close: Mapped[int] = mapped_column(SmallInteger)
    closed: Mapped[int] = mapped_column(SmallInteger)
    closed_on_time: Mapped[int] = mapped_column(SmallInteger)
    reworked: Mapped[int] = mapped_column(SmallInteger)
    reworked3: Mapped[int] = mapped_column(SmallInteger)
    deferred: Mapped[int] = mapped_column(SmallInteger)
    hung: Mapped[int] = mapped_column(SmallInteger)
    hours: Mapped[float | None] = mapped_column(Float)
    """Handling hours (first dispatch → final feedback) when handled in this month."""
    carry_due_handle: Mapped[int] = mapped_column(SmallInteger)
    carry_overdue_waiting: Mapped[int] = mapped_column(SmallInteger)
    carry_due_close: Mapped[int] = mapped_column(SmallInteger)
    carry_deferred: Mapped[int] = mapped_column(SmallInteger)
    carry_hung: Mapped[int] = mapped_column(SmallInteger)


class FactMark(Base):
    """How far the facts have read the case events: every event up to ``event_id`` is in them. Events are
    append-only with growing ids; a case with a later event is derived afresh when read (never stale)."""

    __tablename__ = "evaluation_fact_mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Flag(Base):
    """A red (红旗) or yellow (黄旗) flag of one unit in one month, as the monthly run awarded it."""

    __tablename__ = "evaluation_flag"
    __table_args__ = (UniqueConstraint("period", "level", "unit_key", name="uq_evaluation_flag_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8), index=True)
    level: Mapped[str] = mapped_column(String(16))
    unit_key: Mapped[str] = mapped_column(String(40), index=True)
    unit_name: Mapped[str] = mapped_column(String(100))
    parent: Mapped[str | None] = mapped_column(String(40))
    peer: Mapped[str] = mapped_column(String(40), default="")
    colour: Mapped[str] = mapped_column(String(8))
    rank: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    scheme: Mapped[str] = mapped_column(String(30))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Run(Base):
    """One monthly run (评价、授旗、报告) of one period: the process whose insert succeeds does it."""

    __tablename__ = "evaluation_run"
    __table_args__ = (UniqueConstraint("period", "kind", name="uq_evaluation_run_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12))
    """running, done or failed."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Report(Base):
    """A generated report (PDF or XLSX) of one period, kept so that every process can serve it."""

    __tablename__ = "evaluation_report"
    __table_args__ = (UniqueConstraint("period", "fmt", name="uq_evaluation_report_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))
    fmt: Mapped[str] = mapped_column(String(8))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
