"""Tables of the evaluation: the flags awarded each month (their history per unit), the monthly runs (one per
period, claimed by one process), and the reports they produced.

Also three indexes on the case tables that the indicator statement needs to stay fast on a large county
(events of a period by time; events of an action by time; cases still open at a moment); they live here
because only the evaluation reads the case tables that way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.case.models import Case, CaseEvent
from gridgov.db import Base, UTCDateTime
from gridgov.kit.time import utcnow

CASE_INDEXES = (
    Index("ix_case_event_at_case", CaseEvent.at, CaseEvent.case_id),
    Index("ix_case_event_action_at", CaseEvent.action, CaseEvent.at),
    Index("ix_case_record_closed_created", Case.closed_at, Case.created_at),
)


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
