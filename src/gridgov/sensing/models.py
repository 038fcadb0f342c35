"""Tables of the sensing core: stations (Things), datastreams, observations and dead letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")
"""64-bit keys on PostgreSQL; SQLite's INTEGER PRIMARY KEY is already 64-bit (and the rowid)."""


class Station(TimestampMixin, Base):
    """A monitoring station (监测站点): a rain gauge, a water or energy meter. A SensorThings Thing."""

    __tablename__ = "sensing_station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    """rain_gauge, water_meter, energy_meter, …"""
    name: Mapped[str] = mapped_column(String(100))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    path: Mapped[str] = mapped_column(String(400), index=True)
    """Materialised path of the deepest area holding the station: scope checks use it."""
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))
    interval_seconds: Mapped[int] = mapped_column(Integer, default=300)
    """The expected reporting interval: silence longer than N intervals opens a maintenance case."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When a reading of the station last arrived (received time, whatever time the reading is for)."""
    offline_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="SET NULL"))
    """The open sensor-offline case of the current outage (one per outage, shared by the stations of a grouped
    outage)."""
    simulated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Fed only by a simulation or a drill (the demo's gauges and meters): its silence is not an outage."""


class Datastream(TimestampMixin, Base):
    """One observed property of a station with its unit and plausible range."""

    __tablename__ = "sensing_datastream"
    __table_args__ = (UniqueConstraint("station_id", "property"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("sensing_station.id", ondelete="CASCADE"))
    property: Mapped[str] = mapped_column(String(40))
    """rainfall, water_level, flow, volume, energy, …"""
    unit: Mapped[str] = mapped_column(String(20))
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)


class Observation(Base):
    """A reading. (datastream, phenomenon time) is unique: a repeat is counted, not stored twice."""

    __tablename__ = "sensing_observation"
    __table_args__ = (
        UniqueConstraint("datastream_id", "phenomenon_time"),
        Index("ix_sensing_observation_phenomenon_time", "phenomenon_time"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    datastream_id: Mapped[int] = mapped_column(ForeignKey("sensing_datastream.id", ondelete="CASCADE"))
    phenomenon_time: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    """How many times the same reading arrived again after the first."""


class DeadLetter(Base):
    """Input that could not be stored, kept with the reason and the raw payload (truncated)."""

    __tablename__ = "sensing_dead_letter"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(8))
    """http, mqtt or csv"""
    topic: Mapped[str] = mapped_column(String(300))
    """The MQTT topic, or the station (HTTP), or file:row (CSV)."""
    kind: Mapped[str] = mapped_column(String(24))
    """A stable code for the reason: bad_json, unknown_station, wrong_unit, implausible, …"""
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    payload_size: Mapped[int] = mapped_column(Integer)
    """The payload's size before truncation."""
