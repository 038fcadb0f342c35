"""Point lookup with a per-process spatial index that rebuilds itself when boundaries change."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from gridgov.errors import InvalidInput, NotFound
from gridgov.geo.index import IndexedArea, PointIndex
from gridgov.geo.schemas import AreaInfo, AreaRef, BatchResponse, Location
from gridgov.geo.shapes import parse_area, to_geojson
from gridgov.org.models import OrgNode
from gridgov.org.repository import OrgRepository

OUTSIDE = "该点不在本县(区)范围内 (point lies outside the county)"
OUT_OF_SCOPE = "该点不在您的辖区内 (point lies outside your area)"
VERSION_CHECK_SECONDS = 1.0


@dataclass
class _Built:
    version: tuple[int, str | None]
    index: PointIndex
    nodes: dict[str, tuple[str, str]]
    """code → (name, kind) for every node on a path."""
    checked_at: float = 0.0


class GeoService:
    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        self._lock = threading.Lock()

    def _index(self, session: Session) -> _Built:
        repo = OrgRepository(session)
        key = str(session.get_bind().engine.url)
        built = self._built.get(key)
        if built is not None and time.monotonic() - built.checked_at < VERSION_CHECK_SECONDS:
            return built
        version = repo.geo_version()
        if built is not None and built.version == version:
            built.checked_at = time.monotonic()
            return built
        with self._lock:
            built = self._built.get(key)
            if built is None or built.version != version:
                areas = [
                    IndexedArea(path, parse_area(geojson))
                    for _code, _name, _kind, path, geojson in repo.boundaries(None, list(_KINDS))
                ]
                nodes = {n.code: (n.name, n.kind) for n in repo.all_nodes()}
                built = _Built(version, PointIndex(areas), nodes, time.monotonic())
                self._built[key] = built
        return built

    def _placement(self, built: _Built, path: str) -> dict[str, Any]:
        levels: dict[str, Any] = {"path": path}
        for code in path.strip("/").split("/"):
            name, kind = built.nodes.get(code, (code, ""))
            if kind in ("township", "village", "grid", "microgrid"):
                levels[kind] = AreaRef(code=code, name=name, kind=kind)
        return levels

    def locate(self, session: Session, lon: float, lat: float, scope: Sequence[str] | None = None) -> Location:
        built = self._index(session)
        path = built.index.locate([lon], [lat])[0]
        if path is None:
            raise InvalidInput(OUTSIDE, field="lon")
        if scope is not None and not any(path.startswith(s) for s in scope):
            raise NotFound(OUT_OF_SCOPE)
        return Location(lon=lon, lat=lat, **self._placement(built, path))

    def locate_many(
        self, session: Session, points: Sequence[tuple[float, float]], scope: Sequence[str] | None = None
    ) -> BatchResponse:
        built = self._index(session)
        coordinates = np.asarray(points, dtype=float).reshape(-1, 2)
        paths = built.index.locate(coordinates[:, 0], coordinates[:, 1])
        allowed: dict[str, bool] = {}
        areas: dict[str, AreaInfo] = {}
        codes: list[str | None] = []
        outside = out_of_scope = 0
        for path in paths:
            if path is None:
                outside += 1
                codes.append(None)
                continue
            if path not in allowed:
                allowed[path] = scope is None or any(path.startswith(s) for s in scope)
            if not allowed[path]:
                out_of_scope += 1
                codes.append(None)
                continue
            code = path.rstrip("/").rsplit("/", 1)[-1]
            if code not in areas:
                name, kind = built.nodes.get(code, (code, ""))
                areas[code] = AreaInfo(code=code, name=name, kind=kind, **self._placement(built, path))
            codes.append(code)
        located = len(codes) - outside - out_of_scope
        return BatchResponse(codes=codes, areas=areas, located=located, outside=outside, out_of_scope=out_of_scope)

    def invalidate(self) -> None:
        """Forget the built indexes (this process changed a boundary; others notice within a second)."""
        self._built.clear()

    def locate_paths(self, session: Session, lons: npt.ArrayLike, lats: npt.ArrayLike) -> list[str | None]:
        """Raw batch lookup for bulk callers (imports, benchmarks): one path or None per point."""
        return self._index(session).index.locate(lons, lats)


_KINDS = ("county", "township", "village", "grid", "microgrid")
geo_service = GeoService()


def set_boundary(node: OrgNode, geometry: dict[str, Any] | str, *, field: str = "geometry") -> None:
    geom = parse_area(geometry, field=field)
    node.boundary = to_geojson(geom)
    centre = geom.representative_point()
    node.centroid_lon = round(centre.x, 6)
    node.centroid_lat = round(centre.y, 6)
    geo_service.invalidate()


def import_boundaries(session: Session, collection: dict[str, Any], code_property: str = "code") -> int:
    """Set boundaries from a GeoJSON FeatureCollection whose features carry the node code.

    Every feature is checked first; one bad feature rejects the file and nothing changes.
    """
    if collection.get("type") != "FeatureCollection" or not isinstance(collection.get("features"), list):
        raise InvalidInput("GeoJSON必须是FeatureCollection (expected a FeatureCollection)", field="type")
    repo = OrgRepository(session)
    features = collection["features"]
    codes = [str((f.get("properties") or {}).get(code_property, "")) for f in features]
    nodes = repo.nodes_by_codes(codes)
    errors: list[str] = []
    parsed = []
    for number, (feature, code) in enumerate(zip(features, codes, strict=True), start=1):
        where = f"features[{number - 1}]"
        node = nodes.get(code)
        if node is None:
            errors.append(f"{where}: 未知编码 {code!r} (no node with {code_property}={code!r})")
            continue
        try:
            parse_area(feature.get("geometry") or {}, field=f"{where}.geometry")
        except InvalidInput as exc:
            errors.append(exc.message)
            continue
        parsed.append((node, feature["geometry"]))
    if errors:
        raise InvalidInput("; ".join(errors[:20]), field="features", extra={"errors": errors})
    for node, geometry in parsed:
        set_boundary(node, geometry)
    session.flush()
    return len(parsed)
