"""The enterprise-service module's tables. Enterprises themselves are the core registry's (``enterprise``);
appeals are core cases (``case_record``) with the enterprise-side facts kept here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin, UTCDateTime
from gridgov.kit.time import utcnow


class EnterpriseAccount(Base):
    """An enterprise login (role ``enterprise``) and the enterprise it speaks for: what such an account sees
    of this module is that enterprise's and nothing else."""

    __tablename__ = "enterprise_account_link"
    __table_args__ = (UniqueConstraint("account_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)


class Project(TimestampMixin, Base):
    """A key investment project (重点项目) followed through its stages by a 专班 and a responsible leader."""

    __tablename__ = "key_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    """``industrial`` (临港工业) or ``real_estate`` (房地产)."""
    investor: Mapped[str] = mapped_column(String(200))
    amount_wan: Mapped[float] = mapped_column(Float)
    """Planned investment, 万元."""
    land_mu: Mapped[float | None] = mapped_column(Float)
    team: Mapped[str] = mapped_column(String(100))
    """The responsible working group (专班)."""
    leader: Mapped[str] = mapped_column(String(60))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"), index=True)
    township_code: Mapped[str] = mapped_column(String(32), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class ProjectStage(Base):
    __tablename__ = "key_project_stage"
    __table_args__ = (UniqueConstraint("project_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("key_project.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(24))
    planned: Mapped[date | None] = mapped_column(Date)
    actual: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(400), default="")


class Appeal(TimestampMixin, Base):
    """An enterprise's appeal (企业诉求), handled as the core case ``case_id``."""

    __tablename__ = "enterprise_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("key_project.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    impact: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[int] = mapped_column(Integer)
    shared: Mapped[int] = mapped_column(Integer)
    """How many enterprises raise the same need (共性诉求)."""
    colour: Mapped[str] = mapped_column(String(8), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    """``visit`` (recorded by an account manager), ``enterprise`` (submitted by it), ``project`` (a blocker)."""
    recorder_name: Mapped[str] = mapped_column(String(100))
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    """The last return visit's answer (None: no return visit yet)."""


class ColourChange(Base):
    __tablename__ = "enterprise_appeal_colour"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("enterprise_appeal.id", ondelete="CASCADE"), index=True)
    from_colour: Mapped[str | None] = mapped_column(String(8))
    to_colour: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(Base):
    """A visit to an enterprise (走访) by an account manager, or a return visit (回访) on an appeal with the
    enterprise's satisfaction (1–5)."""

    __tablename__ = "enterprise_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise_appeal.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    """``visit`` or ``return``."""
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_account_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")


class PerMuFigures(TimestampMixin, Base):
    """One enterprise's figures of one evaluation year (亩均论英雄 inputs; results are computed on read)."""

    __tablename__ = "per_mu_figures"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    above_scale: Mapped[bool] = mapped_column(Boolean)
    in_production: Mapped[bool] = mapped_column(Boolean, default=True)
    veto: Mapped[str | None] = mapped_column(String(200))
    tax: Mapped[float | None] = mapped_column(Float)
    value_added: Mapped[float | None] = mapped_column(Float)
    land_mu: Mapped[float | None] = mapped_column(Float)
    energy_tce: Mapped[float | None] = mapped_column(Float)
    emission_t: Mapped[float | None] = mapped_column(Float)
    employees: Mapped[float | None] = mapped_column(Float)
    rd: Mapped[float | None] = mapped_column(Float)
    revenue: Mapped[float | None] = mapped_column(Float)
    electricity_mwh: Mapped[float | None] = mapped_column(Float)
