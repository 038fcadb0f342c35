"""Pure parts of the registry: the GB/T 4754 code shape and the place types' attribute parsing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridgov.registry import industry
from gridgov.registry.documents import PLACE_TYPES, AttributeKind, PlaceAttribute


@given(st.sampled_from(sorted(industry.DIVISIONS)), st.integers(0, 99), st.integers(0, 99))
def test_an_industry_code_is_valid_exactly_when_its_division_lies_in_its_section(
    section: str, division: int, rest: int
) -> None:
    low, high = industry.DIVISIONS[section]
    code = f"{section}{division:02d}{rest:02d}"
    assert (industry.problem(code) is None) == (low <= division <= high)
    assert industry.problem(section) is None


@given(st.integers(0, 10**6))
def test_integer_attributes_read_back_what_was_written(n: int) -> None:
    rooms = PlaceAttribute(key="rooms", zh="间数", en="Rooms", kind=AttributeKind.integer)
    assert rooms.parse(str(n)) == n and rooms.parse(f"{n}.0") == n


def test_shipped_place_types() -> None:
    types = PLACE_TYPES.default()
    assert {"rental_housing", "small_enterprise", "street_shop", "checkpoint", "duty_room", "warehouse"} <= {
        t.code for t in types.types
    }
    school = types.get("school")
    assert school is not None
    cleaned, problems = school.clean({"level": "大学", "students": "-1"})
    assert cleaned == {} and set(problems) == {"level", "students"}
