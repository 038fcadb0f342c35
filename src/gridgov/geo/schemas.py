from __future__ import annotations

from pydantic import BaseModel, Field


class Point(BaseModel):
    lon: float = Field(ge=-180, le=180, description="经度 WGS84")
    lat: float = Field(ge=-90, le=90, description="纬度 WGS84")


class AreaRef(BaseModel):
    code: str
    name: str
    kind: str


class Placement(BaseModel):
    """Where an area sits in the tree: its township, village, grid (whichever apply)."""

    township: AreaRef | None = None
    village: AreaRef | None = None
    grid: AreaRef | None = None
    microgrid: AreaRef | None = None
    path: str


class Location(Placement):
    lon: float
    lat: float


class AreaInfo(Placement):
    code: str
    name: str
    kind: str


class BatchRequest(BaseModel):
    points: list[tuple[float, float]] = Field(max_length=200_000, description="[[lon, lat], …]")


class BatchResponse(BaseModel):
    codes: list[str | None] = Field(
        description="Per point, in order: the code of the deepest area holding it; null outside the county or your area"
    )
    areas: dict[str, AreaInfo] = Field(description="Each area named in ``codes``, once")
    located: int
    outside: int = Field(description="Points outside the county")
    out_of_scope: int = Field(description="Points inside the county but outside your area")
