"""Parsing and checking boundary geometries (pure, no I/O)."""

from __future__ import annotations

import json
from typing import Any, TypeAlias

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from gridgov.errors import InvalidInput

Area: TypeAlias = Polygon | MultiPolygon


def parse_area(geometry: dict[str, Any] | str, *, field: str = "geometry") -> Area:
    """A GeoJSON Polygon/MultiPolygon in WGS84 lon/lat, valid (repaired if self-touching)."""
    try:
        raw = json.loads(geometry) if isinstance(geometry, str) else geometry
        geom = shape(raw)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInput(f"{field}: 不是有效的GeoJSON几何 (not a GeoJSON geometry: {exc})", field=field) from exc
    if not isinstance(geom, Polygon | MultiPolygon):
        raise InvalidInput(f"{field}: 边界必须是Polygon或MultiPolygon (got {geom.geom_type})", field=field)
    if geom.is_empty:
        raise InvalidInput(f"{field}: 边界为空 (empty geometry)", field=field)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(f"{field}: 坐标超出WGS84经纬度范围 (coordinates are not lon/lat)", field=field)
    if not geom.is_valid:
        repaired = shapely.make_valid(geom)
        polys = [g for g in getattr(repaired, "geoms", [repaired]) if isinstance(g, Polygon | MultiPolygon)]
        if not polys:
            raise InvalidInput(f"{field}: 边界无效且无法修复 (invalid geometry)", field=field)
        geom = shapely.union_all(polys)
    return geom


def to_geojson(geom: Area, precision: int = 6) -> str:
    return json.dumps(mapping(shapely.set_precision(geom, 10**-precision)), separators=(",", ":"))


def simplified_geojson(geojson: str, tolerance: float) -> dict[str, Any]:
    """For maps: a lighter outline; tolerance in degrees (0.0005° ≈ 50 m)."""
    geom = shape(json.loads(geojson))
    if tolerance > 0:
        geom = geom.simplify(tolerance, preserve_topology=True)
    return mapping(geom)  # type: ignore[no-any-return]
