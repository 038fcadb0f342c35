"""Tables of the water-resources module (水资源): intake users (取水户), intake points (取水点), intake
permits (取水许可), monthly plans (月用水计划), and what the monthly pass issues: bills with the over-plan
surcharge (水费账单) and progress reminder letters (用水进度提醒函). A point's meter is a core sensing station
(``station_code``) whose ``volume`` datastream holds the cumulative volume in m³; its readings stay in the core's
observation table. Volumes of plans, bills and letters are ``Numeric(14, 2)`` m³, money ``Numeric(16, 2)`` yuan."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin, UTCDateTime

VOLUME = Numeric(14, 2)
MONEY = Numeric(16, 2)


class IntakeUser(TimestampMixin, Base):
    """A 取水户 (off-channel non-agricultural intake user): an enterprise or institution with its 统一社会信用代码."""

    __tablename__ = "water_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    """统一社会信用代码 (GB 32100-2015), check character verified on import."""
    township_code: Mapped[str] = mapped_column(String(32))
    village_code: Mapped[str | None] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(400), index=True)
    """Org path of the village (or township) it lies in, for scope: ``330111/330111001/330111001001/``."""
    industry_code: Mapped[str] = mapped_column(String(8))
    """GB/T 4754-2017 国民经济行业分类 code (门类 letter + up to 4 digits, e.g. ``C2614``)."""
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    annual_volume_m3: Mapped[float] = mapped_column(Float, default=0.0)
    """Planned annual intake (年计划取水量, m³)."""
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"), index=True)
    """The same enterprise in the core registry (matched on 统一社会信用代码), which its page shows."""


class IntakePoint(TimestampMixin, Base):
    """A 取水点 (intake point) of a user, with the sensing station of its meter."""

    __tablename__ = "water_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("water_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(12))
    """surface 地表水 / ground 地下水 / public 公共供水."""
    station_code: Mapped[str | None] = mapped_column(String(40), index=True)
    """Code of the core sensing station of its meter (its ``volume`` datastream, m³)."""


class Permit(TimestampMixin, Base):
    """A 取水许可证 (intake permit)."""

    __tablename__ = "water_permit"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("water_user.id", ondelete="CASCADE"), index=True)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("water_point.id", ondelete="SET NULL"))
    annual_volume_m3: Mapped[float] = mapped_column(Float)
    """Annual allowed volume (年许可取水量, m³)."""
    purpose: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="valid")
    """valid 有效 / suspended 暂停 / revoked 注销 / expired 过期."""


class Plan(TimestampMixin, Base):
    """A user's planned intake for one month (月用水计划, m³)."""

    __tablename__ = "water_plan"
    __table_args__ = (UniqueConstraint("user_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("water_user.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    planned_m3: Mapped[Decimal] = mapped_column(VOLUME)


class Bill(Base):
    """The bill of a user for one month (水费账单): use at the base price plus the over-plan surcharge
    (超计划累进加价), as ``billing.bill`` gives it; once per user and month."""

    __tablename__ = "water_bill"
    __table_args__ = (UniqueConstraint("user_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("water_user.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    used_m3: Mapped[Decimal] = mapped_column(VOLUME)
    planned_m3: Mapped[Decimal] = mapped_column(VOLUME)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    """Base price (元/m³) of ``water.surcharge`` when the bill was issued."""
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """``billing.Line`` as text: above, below, volume_m3, rate, amount (the first is the base line)."""
    surcharge: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Letter(Base):
    """A 用水进度提醒函 (monthly progress reminder letter) of a user: use against plan over the year to date.

    It reaches the in-app inbox (待办/通知) of the staff who hold ``water.plans``' roles at the user's township,
    who hand it (its PDF) to the user: the platform itself sends nothing to the intake user. ``delivery`` says
    what happened: ``inbox`` (stored in ``recipients`` people's inbox) or ``no_recipient`` (nobody holds those
    roles there: the letter waits on the page)."""

    __tablename__ = "water_letter"
    __table_args__ = (UniqueConstraint("user_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("water_user.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    planned_to_date_m3: Mapped[Decimal] = mapped_column(VOLUME)
    used_to_date_m3: Mapped[Decimal] = mapped_column(VOLUME)
    ratio: Mapped[float | None] = mapped_column(Float)
    """Use ÷ plan to date (None when the plan to date is 0)."""
    level: Mapped[str] = mapped_column(String(12))
    """normal 正常 / warning 预警 / over 超计划 (``progress.Level``)."""
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivery: Mapped[str] = mapped_column(String(16))
    """inbox 已送达站内待办 / no_recipient 无接收人."""
    recipients: Mapped[int] = mapped_column(Integer, default=0)
