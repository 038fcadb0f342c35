"""Tables of the warning domain: risk zones, threatened households, responsible people, zone↔gauge
assignments, warnings and their CAP messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridgov.db import Base, TimestampMixin, UTCDateTime


class RiskZone(TimestampMixin, Base):
    """A 地质灾害风险防范区: polygon or point, its place in the org tree, importance and management level."""

    __tablename__ = "warning_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    geometry: Mapped[str] = mapped_column(Text)
    """GeoJSON Polygon, MultiPolygon or Point (WGS-84)."""
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    """A representative point (the point itself, or a point inside the polygon)."""
    township_code: Mapped[str] = mapped_column(String(32))
    village_code: Mapped[str | None] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(400), index=True)
    """Org path of the deepest node holding the zone (scope checks), e.g. ``330111/330111001/330111001001/``."""
    importance: Mapped[str] = mapped_column(String(12))
    """key 重点 / secondary 次重点 / general 一般."""
    management_level: Mapped[int] = mapped_column(Integer)
    """1/2/3 (一级/二级/三级管理): picks the threshold table."""
    hazard_kind: Mapped[str | None] = mapped_column(String(20))
    """滑坡、崩塌、泥石流、地面塌陷 … (free text from the registry)."""
    households: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    """Threatened households and people (受威胁户数、人数), kept with the household list."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Household(TimestampMixin, Base):
    """A threatened household (受威胁户). Personal data: masked for roles without ``pii:read``."""

    __tablename__ = "warning_household"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("warning_zone.id", ondelete="CASCADE"), index=True)
    head_name: Mapped[str] = mapped_column(String(60))
    people: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    survey_year: Mapped[int | None] = mapped_column(Integer)
    """The year of the pre-flood-season update (汛前核查年度)."""
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    zone: Mapped[RiskZone] = relationship(lazy="raise")


class ZonePerson(Base):
    """A person responsible for a zone at one level (district/township/village/grid/群测群防员)."""

    __tablename__ = "warning_zone_person"
    __table_args__ = (UniqueConstraint("zone_id", "person_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("warning_zone.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(12))


class ZoneGauge(Base):
    """A gauge assigned to a zone: rank 1 is the nearest; higher ranks stand in when nearer ones are silent.
    The station is named by code (the sensing module's ``sensing_station.code``), not by key, so zones and
    their assignments can be loaded before or after the gauges."""

    __tablename__ = "warning_zone_gauge"
    __table_args__ = (UniqueConstraint("zone_id", "station_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("warning_zone.id", ondelete="CASCADE"), index=True)
    station_code: Mapped[str] = mapped_column(String(40), index=True)
    distance_m: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)


class WarningRecord(Base):
    """One warning of one zone and hazard, from issue to cancel or expiry. At most one is active per
    (zone, hazard): a partial unique index enforces it in the database on SQLite and PostgreSQL."""

    __tablename__ = "warning_record"
    __table_args__ = (
        Index(
            "uq_warning_record_active_zone_hazard",
            "zone_id",
            "hazard",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("warning_zone.id", ondelete="RESTRICT"), index=True)
    hazard: Mapped[str] = mapped_column(String(16))
    colour: Mapped[str] = mapped_column(String(8))
    peak_colour: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), index=True)
    exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    """A drill (演练): its CAP messages say ``Exercise``."""
    trigger_window: Mapped[str | None] = mapped_column(String(12))
    """The measure that set the current colour: ``1h`` … ``24h`` or ``effective``."""
    trigger_value: Mapped[float | None] = mapped_column(Float)
    trigger_threshold: Mapped[float | None] = mapped_column(Float)
    trigger_gauge: Mapped[str | None] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When it was cancelled or expired."""
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    below_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    below_peak: Mapped[int] = mapped_column(Integer, default=0)
    cap_identifier: Mapped[str | None] = mapped_column(String(40))
    """Identifier of the latest CAP message."""

    zone: Mapped[RiskZone] = relationship(lazy="raise")


class CapMessageRecord(Base):
    """One CAP 1.2 message as sent (the XML is kept verbatim)."""

    __tablename__ = "warning_cap_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warning_record.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(12))
    msg_type: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    identifier: Mapped[str] = mapped_column(String(40), unique=True)
    colour: Mapped[str | None] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    xml: Mapped[str] = mapped_column(Text)
