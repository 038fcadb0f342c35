"""Request and response models of the sensing core, and the ingest-limits configuration document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PropertyLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = ""
    unit: str = Field(min_length=1, max_length=20)
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PropertyLimits:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max (下限不能大于上限)")
        return self


class IngestLimits(BaseModel):
    """The ``sensing.limits`` document (shipped in ``sensing/data/limits.yaml``, editable)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    future_seconds: float = Field(default=300, ge=0, description="How far past the clock a reading may be (秒)")
    earliest: datetime = Field(default=datetime(2000, 1, 1, tzinfo=UTC), description="Readings before are refused")
    max_payload_bytes: int = Field(default=262_144, ge=1024)
    properties: dict[str, PropertyLimits] = Field(default_factory=dict)


class StationCreate(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,40}$", description="站点编码; also the MQTT topic segment")
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{1,23}$", description="rain_gauge, water_meter, energy_meter, …")
    name: str = Field(min_length=1, max_length=100)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    owner_unit_code: str | None = None
    interval_seconds: int = Field(default=300, ge=1, le=31 * 86400)
    active: bool = True


class DatastreamCreate(BaseModel):
    property: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="rainfall, water_level, …")
    unit: str | None = Field(default=None, max_length=20, description="Defaults to the property's unit")
    min_value: float | None = None
    max_value: float | None = None


class IngestCounts(BaseModel):
    """What became of a batch of readings; answered only after the accepted rows are durable."""

    accepted: int = Field(description="New readings stored (新入库)")
    duplicate: int = Field(description="Readings already stored: counted as repeats (重复)")
    dead_lettered: int = Field(description="Readings refused, kept in the dead-letter table (入死信)")
    errors: list[dict[str, Any]] = Field(default_factory=list, description="The first refusals: index and reason")


class ObservationIn(BaseModel):
    """One reading of the HTTP batch (documented shape; items are checked one by one on arrival, so a bad
    item is dead-lettered and the others still land)."""

    station: str = Field(description="站点编码")
    property: str = Field(description="观测要素, e.g. rainfall")
    time: str | float = Field(description="ISO 8601 with offset (naive = configured zone) or epoch seconds")
    value: float
    unit: str | None = Field(default=None, description="Must match the datastream's unit when given")


class ObservationBatch(BaseModel):
    observations: list[ObservationIn]
