"""The shared registry's tables: ``enterprise`` and ``place``.

Both carry ``path``, the materialised org path of the node they lie in (grid when the point lookup finds one,
else village or township), which is what data scope checks, and ``attributes`` for what a module or a place type
adds without a migration of the core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin


class Enterprise(TimestampMixin, Base):
    """An enterprise or institution (企业/单位) with its 统一社会信用代码 (GB 32100-2015, check character verified)."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry_code: Mapped[str] = mapped_column(String(8))
    """GB/T 4754-2017 国民经济行业分类 (门类 letter + up to 4 digits, e.g. ``C2614``)."""
    park: Mapped[str | None] = mapped_column(String(100))
    """Industrial park or development zone (园区/开发区) it belongs to, if any."""
    township_code: Mapped[str] = mapped_column(String(32), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    land_area_m2: Mapped[float | None] = mapped_column(Float)
    """Land occupied (用地面积, m²; 1 亩 = 666.67 m²)."""
    employees: Mapped[int | None] = mapped_column(Integer)
    capacity_kva: Mapped[float | None] = mapped_column(Float)
    """Running electrical capacity (用电运行容量, kVA)."""
    roof_area_m2: Mapped[float | None] = mapped_column(Float)
    """Roof area usable for rooftop PV (可利用屋顶面积, m²)."""
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    """Demo data (虚构), shown as such."""


class Place(TimestampMixin, Base):
    """A place (场所) of a configured type (``registry.place_types``: 两类场所, checkpoint, warehouse, school…)."""

    __tablename__ = "place"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    """The county's own identifier (what an import matches rows on)."""
    type_code: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    township_code: Mapped[str] = mapped_column(String(32), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(40), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Type attributes (as the place type's document declares them)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
