from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridgov.kit.masking import mask_id_number, mask_phone


@given(st.from_regex(r"1\d{10}", fullmatch=True))
def test_mobile_keeps_prefix_and_last_four(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:] and len(masked) == len(phone)


@given(st.text(alphabet="0123456789", max_size=20))
def test_masking_never_reveals_more_than_seven_digits(value: str) -> None:
    assert sum(c.isdigit() for c in mask_phone(value)) <= min(7, len(value))
    masked = mask_id_number(value)
    assert masked is not None and sum(c.isdigit() for c in masked) <= 7


def test_id_number() -> None:
    assert mask_id_number("33011119900101123X") == "330***********123X"
    assert mask_id_number(None) is None
