"""Tables of the water-resources module (水资源): intake users (取水户), intake points (取水点) and intake
permits (取水许可). A point's meter is a core sensing station (``station_code``) whose ``volume`` datastream
holds the cumulative volume in m³; its readings stay in the core's observation table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin


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
