"""Deterministic partition of an area into cells (pure, no I/O).

Cells are Voronoi regions of seeded points, relaxed a few times (Lloyd) so they look like
administrative areas rather than slivers, and clipped to the area, so they tile it exactly.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from gridgov.geo.shapes import Area


def sample_points(area: Area, count: int, rng: np.random.Generator) -> list[Point]:
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    points: list[Point] = []
    while len(points) < count:
        xs = rng.uniform(minx, maxx, count * 4)
        ys = rng.uniform(miny, maxy, count * 4)
        candidates = shapely.points(xs, ys)
        inside = candidates[shapely.contains(area, candidates)]
        points.extend(inside[: count - len(points)].tolist())
    return points


def _polygonal(geom: shapely.Geometry) -> Area | None:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon) and not g.is_empty]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, Polygon | MultiPolygon) else None


def _cells(area: Area, seeds: list[Point]) -> list[Area | None]:
    if len(seeds) == 1:
        return [area]
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=area.envelope.buffer(1.0), ordered=True)
    return [_polygonal(cell.intersection(area)) for cell in diagram.geoms]


def partition(area: Area, count: int, rng: np.random.Generator, relax: int = 3) -> list[Area]:
    """``count`` cells that tile ``area``; the same rng state gives the same cells."""
    seeds = sample_points(area, count, rng)
    for _ in range(relax):
        cells = _cells(area, seeds)
        seeds = [
            (c.centroid if c.contains(c.centroid) else c.representative_point()) if c is not None else s
            for c, s in zip(cells, seeds, strict=True)
        ]
    cells = _cells(area, seeds)
    # a cell that vanished (only with degenerate areas) is made up by splitting the largest one
    result = [c for c in cells if c is not None]
    while len(result) < count:
        largest = max(range(len(result)), key=lambda i: result[i].area)
        halves = partition(result[largest], 2, rng, relax=1)
        result[largest : largest + 1] = halves
    return result
