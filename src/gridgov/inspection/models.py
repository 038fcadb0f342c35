"""Tables of the inspections and duty-rosters module. Places are the core's (``place``); a check, a finding and
a post copy the org ``path`` they lie in, which is what data scope checks.

* ``inspection_check`` — one visit to a place (routine 例行排查, re-check 复查, supervision spot check 督查).
* ``inspection_finding`` — a hazard a check found (一般隐患 / 一票否决), with the case it opened.
* ``duty_post``, ``duty_member`` — posts with their shifts, the people who serve there and when they cannot.
* ``duty_roster``, ``duty_assignment``, ``duty_swap`` — a solved month, its shifts, swaps asked and answered.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin, UTCDateTime


class InspectionCheck(TimestampMixin, Base):
    __tablename__ = "inspection_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="routine")
    """routine 例行排查 / recheck 复查 / spot 督查抽查."""
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    inspector: Mapped[str] = mapped_column(String(60))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    """The phone's id of a queued check, so a check sent twice (offline queue) is recorded once."""
    path: Mapped[str] = mapped_column(String(400), index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class InspectionFinding(TimestampMixin, Base):
    __tablename__ = "inspection_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("inspection_check.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(12))
    """ordinary 一般隐患 / veto 一票否决."""
    description: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="SET NULL"), index=True)
    case_number: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    """open 待整改 / rectified 已整改 (a re-check found it put right)."""
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recheck_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_check.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(400), index=True)


class DutyPost(TimestampMixin, Base):
    __tablename__ = "duty_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    """checkpoint 卡口 / village_duty_room 村值班室 / township_platform 镇平台 / county_duty_desk 县值班台."""
    path: Mapped[str] = mapped_column(String(400), index=True)
    """Org path of the node it belongs to."""
    serves: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Org paths of further villages it serves (a checkpoint shared by several villages in normal times)."""
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"))
    """The checkpoint's place in the registry (what a supervision spot check inspects)."""
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    shifts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """``[{code, start: "08:00", hours, night, required: {role: n}}]``."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class DutyMember(Base):
    __tablename__ = "duty_member"
    __table_args__ = (UniqueConstraint("post_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("duty_post.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(24))
    unavailable: Mapped[list[str]] = mapped_column(JSON, default=list)
    """ISO dates the person cannot serve (leave, training)."""


class DutyRoster(TimestampMixin, Base):
    __tablename__ = "duty_roster"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    """The area whose posts it covers."""
    status: Mapped[str] = mapped_column(String(12))
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Why the month is infeasible: ``[{rule, post, day, shift, role, detail}]``."""


class DutyAssignment(Base):
    __tablename__ = "duty_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("duty_roster.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("duty_post.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    shift_code: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    night: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_in_metres: Mapped[float | None] = mapped_column(Float)
    """Distance of the GPS check-in from the post."""


class DutySwap(TimestampMixin, Base):
    __tablename__ = "duty_swap"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("duty_assignment.id", ondelete="CASCADE"), index=True)
    from_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    to_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default="asked")
    """asked 已申请 / approved 已批准 / refused 已驳回."""
    reason: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    """Account that approved or refused it."""
