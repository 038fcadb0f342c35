from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gridgov.demo.builder import plan_tree
from gridgov.geo.index import IndexedArea, PointIndex
from gridgov.org.enums import NodeKind


@lru_cache
def demo_areas() -> tuple[list[IndexedArea], PointIndex]:
    rows = plan_tree()
    areas = [IndexedArea(r.path, r.area) for r in rows]
    return areas, PointIndex(areas)


@settings(max_examples=60, deadline=None)
@given(
    lons=st.lists(st.floats(119.40, 120.20, allow_nan=False), min_size=1, max_size=50),
    lats=st.lists(st.floats(29.70, 30.25, allow_nan=False), min_size=1, max_size=50),
)
def test_lookup_matches_shapely_on_random_points(lons: list[float], lats: list[float]) -> None:
    areas, index = demo_areas()
    size = min(len(lons), len(lats))
    found = index.locate(lons[:size], lats[:size])
    grids = [a for a in areas if a.path.count("/") == 4]
    county = areas[0].geometry
    for lon, lat, path in zip(lons[:size], lats[:size], found, strict=True):
        point = shapely.Point(lon, lat)
        containing = [a.path for a in grids if a.geometry.covers(point)]
        if containing:
            assert path in containing
        elif county.covers(point):
            # a gap between grids left by rounding: the deepest enclosing area answers
            assert path is not None and any(a.path == path and a.geometry.covers(point) for a in areas)
        else:
            assert path is None


def test_demo_grids_tile_the_county() -> None:
    areas, index = demo_areas()
    grids = [a.geometry for a in areas if a.path.count("/") == 4]
    county = areas[0].geometry
    assert abs(sum(g.area for g in grids) - county.area) / county.area < 1e-6
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = county.bounds
    lons, lats = rng.uniform(minx, maxx, 20_000), rng.uniform(miny, maxy, 20_000)
    inside = shapely.contains_xy(county, lons, lats)
    found = index.locate(lons, lats)
    assert all((path is not None) == flag for path, flag in zip(found, inside, strict=True))
    assert all(p is None or p.count("/") == 4 for p in found)


def test_gap_point_takes_the_deepest_enclosing_area() -> None:
    outer = IndexedArea("1/", box(0, 0, 10, 10))
    inner = IndexedArea("1/2/", box(0, 0, 5, 10))
    leaf = IndexedArea("1/2/3/", box(0, 0, 5, 5))
    index = PointIndex([outer, inner, leaf])
    assert index.locate([1, 1, 8, 20], [1, 8, 8, 20]) == ["1/2/3/", "1/2/", "1/", None]


def test_shared_edge_is_deterministic() -> None:
    index = PointIndex([IndexedArea("1/b/", box(5, 0, 10, 10)), IndexedArea("1/a/", box(0, 0, 5, 10))])
    assert index.locate([5.0], [5.0]) == ["1/a/"]


def test_kinds_are_ordered_tiers() -> None:
    assert [k.parent_kind for k in NodeKind] == [
        None,
        NodeKind.county,
        NodeKind.township,
        NodeKind.village,
        NodeKind.grid,
    ]
