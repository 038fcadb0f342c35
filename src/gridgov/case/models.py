"""Tables of the case domain: categories (editable taxonomy), cases and their event timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin, UTCDateTime
from gridgov.kit.time import utcnow


class CaseCategory(TimestampMixin, Base):
    """A taxonomy entry; ``spec`` holds the validated category (conditions, tier, unit, limits)."""

    __tablename__ = "case_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    major: Mapped[str] = mapped_column(String(2))
    major_name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(TimestampMixin, Base):
    __tablename__ = "case_record"
    __table_args__ = (
        Index("ix_case_record_state_deadline", "state", "deadline_at"),
        Index("ix_case_record_path", "path"),
        # the duplicate check: open cases of a category in the few cells around a point, recent first
        Index("ix_case_record_nearby", "category_code", "cell", "created_at"),
        # open cases per area, state and deadline: the cockpit's and the desk's reads on a large county
        Index(
            "ix_case_record_open",
            "state",
            "township_code",
            "category_code",
            "deadline_at",
            "overdue_handled_for",
            "village_code",
            "grid_code",
            "path",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    category_code: Mapped[str] = mapped_column(String(8), index=True)
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    cell: Mapped[int | None] = mapped_column(BigInteger)
    """Spatial key of the point (:func:`gridgov.case.geocell.cell_of`): the duplicate check reads only nearby cells."""
    address: Mapped[str | None] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(400))
    """Materialised path of the deepest area holding the point: scope checks use it."""
    township_code: Mapped[str] = mapped_column(String(32), index=True)
    village_code: Mapped[str | None] = mapped_column(String(32))
    grid_code: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(16))
    owner_code: Mapped[str] = mapped_column(String(32))
    """The village, township or county node that files and dispatches at the current tier."""
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"), index=True)
    reporter_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    stage_index: Mapped[int] = mapped_column(Integer, default=0)
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    limit_amount: Mapped[float | None] = mapped_column(Float)
    limit_unit: Mapped[str | None] = mapped_column(String(16))
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    """Working days asked for by a pending extension request (延期申请)."""
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    overdue_handled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The deadline whose passing the sweeper has already acted on: each step fires once."""
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="SET NULL"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="SET NULL"))
    """A likely duplicate: same category, close by, reported shortly before (flagged, to be merged)."""
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Holiday(Base):
    """A day from the State Council's annual notice, loaded by an administrator: a day off (放假) or an
    adjusted working day (调休上班). Wins over the ``chinese-calendar`` package."""

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")


class CaseAttachment(Base):
    """A photo or document of a case, stored on disk by content hash; served only after a scope check."""

    __tablename__ = "case_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseEvent(Base):
    """One step of a case's history: the timeline is the audit of the case."""

    __tablename__ = "case_event"
    # events of an action by time: the cockpit's trends
    __table_args__ = (Index("ix_case_event_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_account_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
