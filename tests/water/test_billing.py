"""The over-plan surcharge equals a hand calculation, and behaves as a surcharge should (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gridgov.water.billing import bill
from gridgov.water.documents import SURCHARGE

TIERS = SURCHARGE.default().billing_tiers()
PRICE = Decimal("0.20")


def test_the_surcharge_equals_the_hand_calculation() -> None:
    # plan 10,000 m³, used 15,000 m³ (50 % over), base 0.20 元/m³, tiers ×1 to 20 %, ×2 to 40 %, ×3 above:
    # base 15,000 × 0.20 = 3,000.00; 2,000 × 0.20 = 400.00; 2,000 × 0.40 = 800.00; 1,000 × 0.60 = 600.00
    result = bill(Decimal(10_000), Decimal(15_000), PRICE, TIERS)
    assert [(line.volume_m3, line.rate, line.amount) for line in result.lines] == [
        (Decimal(15_000), Decimal("0.20"), Decimal("3000.00")),
        (Decimal(2_000), Decimal("0.20"), Decimal("400.00")),
        (Decimal(2_000), Decimal("0.40"), Decimal("800.00")),
        (Decimal(1_000), Decimal("0.60"), Decimal("600.00")),
    ]
    assert result.surcharge == Decimal("1800.00") and result.total == Decimal("4800.00")
    assert [(line.above, line.below) for line in result.lines[1:]] == [
        (Decimal(0), Decimal("0.2")),
        (Decimal("0.2"), Decimal("0.4")),
        (Decimal("0.4"), None),
    ]


volumes = st.integers(0, 10**7).map(Decimal)


@given(st.integers(1, 10**6).map(Decimal), volumes, volumes)
def test_no_surcharge_within_plan_and_more_use_never_costs_less(planned: Decimal, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    if high <= planned:
        assert bill(planned, high, PRICE, TIERS).surcharge == 0
    assert bill(planned, low, PRICE, TIERS).total <= bill(planned, high, PRICE, TIERS).total
    over = sum((line.volume_m3 for line in bill(planned, high, PRICE, TIERS).lines[1:]), Decimal(0))
    assert over == max(high - planned, Decimal(0))
