"""Point lookup with a per-process spatial index that rebuilds itself when boundaries change."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gridgov.errors import InvalidInput, NotFound
from gridgov.geo.index import IndexedArea, PointIndex
from gridgov.geo.schemas import AreaRef, BatchItem, BatchResponse, Location
from gridgov.geo.shapes import parse_area, to_geojson
from gridgov.org.models import OrgNode
from gridgov.org.repository import OrgRepository

OUTSIDE = "该点不在本县(区)范围内 (point lies outside the county)"
OUT_OF_SCOPE = "该点不在您的辖区内 (point lies outside your area)"


@dataclass
class _Built:
    version: tuple[int, str | None]
    index: PointIndex
    nodes: dict[str, tuple[str, str]]
    """code → (name, kind) for every node on a path."""


class GeoService:
    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        self._lock = threading.Lock()

    def _index(self, session: Session) -> _Built:
        repo = OrgRepository(session)
        key = str(session.get_bind().engine.url)
        version = repo.geo_version()
        built = self._built.get(key)
        if built is not None and built.version == version:
            return built
        with self._lock:
            built = self._built.get(key)
            if built is None or built.version != version:
                areas = [
                    IndexedArea(path, parse_area(geojson))
                    for _code, _name, _kind, path, geojson in repo.boundaries(None, list(_KINDS))
                ]
                nodes = {n.code: (n.name, n.kind) for n in repo.all_nodes()}
                built = _Built(version, PointIndex(areas), nodes)
                self._built[key] = built
        return built

    def _location(self, built: _Built, lon: float, lat: float, path: str) -> Location:
        levels: dict[str, Any] = {}
        for code in path.strip("/").split("/"):
            name, kind = built.nodes.get(code, (code, ""))
            if kind in ("township", "village", "grid", "microgrid"):
                levels[kind] = AreaRef(code=code, name=name, kind=kind)
        return Location(lon=lon, lat=lat, path=path, **levels)

    def locate(self, session: Session, lon: float, lat: float, scope: Sequence[str] | None = None) -> Location:
        built = self._index(session)
        path = built.index.locate([lon], [lat])[0]
        if path is None:
            raise InvalidInput(OUTSIDE, field="lon")
        if scope is not None and not any(path.startswith(s) for s in scope):
            raise NotFound(OUT_OF_SCOPE)
        return self._location(built, lon, lat, path)

    def locate_many(
        self, session: Session, points: Sequence[tuple[float, float]], scope: Sequence[str] | None = None
    ) -> BatchResponse:
        built = self._index(session)
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        items: list[BatchItem] = []
        for (lon, lat), path in zip(points, built.index.locate(lons, lats), strict=True):
            if path is None:
                items.append(BatchItem(location=None, error=OUTSIDE))
            elif scope is not None and not any(path.startswith(s) for s in scope):
                items.append(BatchItem(location=None, error=OUT_OF_SCOPE))
            else:
                items.append(BatchItem(location=self._location(built, lon, lat, path)))
        located = sum(1 for i in items if i.location is not None)
        return BatchResponse(items=items, located=located, outside=len(items) - located)

    def locate_paths(self, session: Session, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
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
