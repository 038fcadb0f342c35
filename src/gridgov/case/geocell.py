"""A grid-cell key for points, so that "cases near here" is an index range and not a scan of a latitude band.

Cells are 0.001° of latitude by 0.001° of longitude (≈ 111 m × 96 m in Zhejiang); a key is one integer,
row-major from the south-west corner of the globe. The migration computes the same key in SQL for older rows.
"""

from __future__ import annotations

import math

STEP = 1000
"""Cells per degree."""
ROW = 360 * STEP
"""Cells in one row (all longitudes)."""


def cell_of(lon: float, lat: float) -> int:
    return int((lat + 90) * STEP) * ROW + int((lon + 180) * STEP)


def cells_around(lon: float, lat: float, metres: float) -> list[int]:
    """Every cell a circle of ``metres`` around the point can touch (its bounding box's cells)."""
    dlat = metres / 111_320
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = range(int((lat - dlat + 90) * STEP), int((lat + dlat + 90) * STEP) + 1)
    columns = range(int((lon - dlon + 180) * STEP), int((lon + dlon + 180) * STEP) + 1)
    return [row * ROW + column for row in rows for column in columns]
