"""The duplicate check's cell key: every point within the radius lies in one of the cells it reads."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from gridgov.case.geocell import cell_of, cells_around


@given(
    lon=st.floats(118.0, 122.0),
    lat=st.floats(27.0, 31.0),
    bearing=st.floats(0, 2 * math.pi),
    metres=st.floats(0, 50),
)
def test_a_point_within_the_radius_is_in_a_cell_read(lon: float, lat: float, bearing: float, metres: float) -> None:
    other_lat = lat + metres * math.cos(bearing) / 111_320
    other_lon = lon + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    assert cell_of(other_lon, other_lat) in cells_around(lon, lat, 50.0)


def test_fifty_metres_reads_a_handful_of_cells() -> None:
    """≈ 100 m across; a cell is 111 m × 96 m here: two rows, up to three columns."""
    assert len(cells_around(119.9605, 30.0505, 50.0)) <= 3
    assert len(cells_around(119.9600, 30.0500, 50.0)) <= 6
