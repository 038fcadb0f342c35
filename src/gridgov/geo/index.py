"""Point → area lookup over the tree's boundaries (pure: built from geometries, no I/O).

Areas are the nodes that have a boundary. A point takes the deepest area containing it: first
among the leaves (nodes none of whose descendants has a boundary), which tile the county, then,
for points in gaps between leaves, among the inner nodes. Points on a shared edge go to the area
listed first (ordered by path), so every answer is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree

from gridgov.geo.shapes import Area

NOT_FOUND = -1


@dataclass(frozen=True)
class IndexedArea:
    path: str
    geometry: Area


def _first_match(pairs: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.int64]:
    result = np.full(size, NOT_FOUND, dtype=np.int64)
    if pairs.shape[1] == 0:
        return result
    order = np.lexsort((pairs[1], pairs[0]))
    inputs, trees = pairs[0][order], pairs[1][order]
    firsts, where = np.unique(inputs, return_index=True)
    result[firsts] = trees[where]
    return result


class _Tier:
    def __init__(self, areas: Sequence[IndexedArea]) -> None:
        self.paths = [a.path for a in areas]
        geoms = np.array([a.geometry for a in areas], dtype=object)
        shapely.prepare(geoms)
        self.tree = STRtree(geoms)

    def query(self, points: npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
        if not self.paths:
            return np.full(len(points), NOT_FOUND, dtype=np.int64)
        pairs = self.tree.query(points, predicate="intersects")
        return _first_match(np.asarray(pairs, dtype=np.int64), len(points))


class PointIndex:
    def __init__(self, areas: Sequence[IndexedArea]) -> None:
        ordered = sorted(areas, key=lambda a: a.path)
        leaves = [
            a for i, a in enumerate(ordered) if not (i + 1 < len(ordered) and ordered[i + 1].path.startswith(a.path))
        ]
        leaf_paths = {a.path for a in leaves}
        # deeper inner nodes first, so a gap point takes the most specific area
        inner = sorted((a for a in ordered if a.path not in leaf_paths), key=lambda a: (-a.path.count("/"), a.path))
        self._leaves = _Tier(leaves)
        self._inner = _Tier(inner)
        self.size = len(ordered)

    def locate(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> list[str | None]:
        """Path of the deepest area containing each point, or None when no area does."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        found = self._leaves.query(points)
        result: list[str | None] = [self._leaves.paths[i] if i != NOT_FOUND else None for i in found.tolist()]
        missing = np.flatnonzero(found == NOT_FOUND)
        if missing.size and self._inner.paths:
            # the inner tier is ordered deepest first, so the first match is the most specific
            inner_found = self._inner.query(points[missing])
            for slot, i in zip(missing.tolist(), inner_found.tolist(), strict=True):
                if i != NOT_FOUND:
                    result[slot] = self._inner.paths[i]
        return result
