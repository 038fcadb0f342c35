from __future__ import annotations

from pydantic import BaseModel, Field


class Point(BaseModel):
    lon: float = Field(ge=-180, le=180, description="经度 WGS84")
    lat: float = Field(ge=-90, le=90, description="纬度 WGS84")


class AreaRef(BaseModel):
    code: str
    name: str
    kind: str


class Location(BaseModel):
    lon: float
    lat: float
    township: AreaRef | None = None
    village: AreaRef | None = None
    grid: AreaRef | None = None
    microgrid: AreaRef | None = None
    path: str


class BatchRequest(BaseModel):
    points: list[tuple[float, float]] = Field(max_length=200_000, description="[[lon, lat], …]")


class BatchItem(BaseModel):
    location: Location | None
    error: str | None = None


class BatchResponse(BaseModel):
    items: list[BatchItem]
    located: int
    outside: int
