from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.warning.coverage import Site, coverage_report, nearest_gauges
from tests.warning.factories import square


def metres(a: Site, b: Site) -> float:
    """Haversine distance, independent of the module's projection."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_polygon_distance_is_to_the_edge_and_zero_inside() -> None:
    gauges = [Site("IN", 119.95, 30.05), Site("OUT", 119.95, 30.052)]
    zone = Site("Z", 119.95, 30.05, square(119.95, 30.05, 100.0))
    [near] = nearest_gauges([zone], gauges, k=2)
    assert near.gauges[0] == ("IN", 0.0)
    assert abs(near.gauges[1][1] - (222.4 - 100.0)) < 1.0


def test_report_counts_and_lists() -> None:
    gauges = [Site("G", 119.95, 30.05)]
    zones = [Site("A", 119.95, 30.0505), Site("B", 119.95, 30.06), Site("C", 119.95, 30.08)]
    report = coverage_report(nearest_gauges(zones, gauges))
    assert (report.zones, report.within_near, report.within_far) == (3, 1, 2)
    assert report.beyond_near == ["B", "C"] and report.beyond_far == ["C"]
    assert coverage_report(nearest_gauges(zones, [])).beyond_far == ["A", "B", "C"]


coords = st.tuples(st.floats(119.7, 120.2), st.floats(29.8, 30.2))


@settings(max_examples=100, deadline=None)
@given(st.lists(coords, min_size=1, max_size=30), st.lists(coords, min_size=1, max_size=40), st.integers(1, 4))
def test_nearest_point_zones_agree_with_brute_force(
    zone_xy: list[tuple[float, float]], gauge_xy: list[tuple[float, float]], k: int
) -> None:
    zones = [Site(f"Z{i}", lon, lat) for i, (lon, lat) in enumerate(zone_xy)]
    gauges = [Site(f"G{i}", lon, lat) for i, (lon, lat) in enumerate(gauge_xy)]
    for zone, near in zip(zones, nearest_gauges(zones, gauges, k=k, candidates=8), strict=True):
        truth = sorted(metres(zone, g) for g in gauges)[:k]
        assert len(near.gauges) == min(k, len(gauges))
        for (_, got), want in zip(near.gauges, truth, strict=True):
            assert abs(got - want) <= 0.005 * want + 0.5  # one local projection vs haversine, over up to ~60 km
