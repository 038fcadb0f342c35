"""Request and response models of the sensing core, and the ingest-limits configuration document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gridgov.kit.text import PlainLine


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


class DatastreamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    property: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="观测要素: rainfall, water_level, …")
    unit: PlainLine | None = Field(
        default=None, min_length=1, max_length=20, description="Defaults to the property's unit (sensing.limits)"
    )
    min_value: float | None = Field(default=None, description="Plausible range; defaults to the property's")
    max_value: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DatastreamCreate:
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError("min_value must not exceed max_value (下限不能大于上限)")
        return self


class StationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,40}$", description="站点编码; also the MQTT topic segment")
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{1,23}$", description="rain_gauge, water_meter, energy_meter, …")
    name: PlainLine = Field(min_length=1, max_length=100)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    owner_unit_code: PlainLine | None = Field(
        default=None, description="权属单位: a unit at the station's place or above"
    )
    interval_seconds: int = Field(default=300, ge=1, le=31 * 86400, description="Expected reporting interval (秒)")
    active: bool = True
    datastreams: list[DatastreamCreate] = Field(default_factory=list, max_length=50)

    @field_validator("datastreams")
    @classmethod
    def _distinct_properties(cls, streams: list[DatastreamCreate]) -> list[DatastreamCreate]:
        seen = [d.property for d in streams]
        if len(seen) != len(set(seen)):
            raise ValueError("a property is named twice (观测要素重复)")
        return streams


class StationUpdate(BaseModel):
    """Only the fields sent change. Deactivating keeps the data; readings to an inactive station are
    dead-lettered (inactive_station)."""

    model_config = ConfigDict(extra="forbid")

    name: PlainLine | None = Field(default=None, min_length=1, max_length=100)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    owner_unit_code: PlainLine | None = None
    interval_seconds: int | None = Field(default=None, ge=1, le=31 * 86400)
    active: bool | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> StationUpdate:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("lon and lat are changed together (经纬度需同时提供)")
        return self


class DatastreamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    property: str
    unit: str
    min_value: float | None
    max_value: float | None


class StationRead(BaseModel):
    id: int
    code: str
    kind: str
    name: str
    lon: float
    lat: float
    area_code: str = Field(description="The deepest org node holding the station (所在网格/村社)")
    owner_unit_code: str | None
    interval_seconds: int
    active: bool
    last_seen_at: datetime | None
    datastreams: list[DatastreamRead]


class StationPage(BaseModel):
    items: list[StationRead]
    total: int


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
