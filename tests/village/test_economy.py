"""The collective economy's arithmetic: shares, the backer's cover, and dividends that add up to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.village.economy import Holding, distributable, shares, shortfall, split, weak, year_split

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2)


def test_the_timber_market_gives_baibiao_its_share_of_the_rent() -> None:
    holdings = [Holding("kaicheng", Decimal(0), Decimal("0.5")), Holding("baibiao", Decimal(0), Decimal("0.3"))]
    holdings.append(Holding("shuibei", Decimal(0), Decimal("0.2")))
    result = year_split(holdings, Decimal(2_500_000), Decimal(0))
    assert {d.holder: d.amount for d in result.dividends}["baibiao"] == Decimal("750000.00")


def test_the_backer_covers_what_the_villages_do_not_invest() -> None:
    villages = [Holding(f"v{i}", Decimal(5_000_000)) for i in range(6)]
    cover = shortfall(Decimal(90_000_000), villages)
    assert cover == Decimal("60000000.00")
    by_share = shares([*villages, Holding("group", cover)])
    assert by_share["v0"] * 90 == 5 and sum(by_share.values()) == 1
    assert shortfall(Decimal(10), villages) == 0


def test_a_loss_distributes_nothing_and_the_reserve_is_kept() -> None:
    assert distributable(Decimal(100), Decimal(200)) == 0
    assert distributable(Decimal(1000), Decimal(0), Decimal("0.1")) == Decimal("900.00")
    with pytest.raises(ValueError):
        shares([Holding("a", Decimal(1), Decimal("0.7")), Holding("b", Decimal(1), Decimal("0.4"))])


@given(money, st.lists(st.decimals(min_value=Decimal(0), max_value=Decimal("1e8"), places=2), min_size=1, max_size=30))
def test_a_split_adds_up_exactly_and_follows_the_weights(amount: Decimal, raw: list[Decimal]) -> None:
    weights = {f"h{i}": w for i, w in enumerate(raw)}
    parts = split(amount, weights)
    if sum(raw) == 0:
        assert all(p == 0 for p in parts.values())
        return
    assert sum(parts.values()) == amount
    total = sum(raw)
    for key, weight in weights.items():
        assert abs(parts[key] - amount * weight / total) < Decimal("0.01")
        assert parts[key] >= 0


@given(st.lists(money, min_size=1, max_size=20), money, st.decimals(min_value=0, max_value=1, places=4))
def test_dividends_are_the_distributable_income_by_investment(
    invested: list[Decimal], income: Decimal, reserve: Decimal
) -> None:
    holdings = [Holding(f"h{i}", x) for i, x in enumerate(invested)]
    result = year_split(holdings, income, Decimal(0), reserve)
    assert sum(d.amount for d in result.dividends) == result.distributed
    assert result.distributed + result.reserve == result.income - result.costs
    richest = max(holdings, key=lambda h: h.invested)
    assert max(result.dividends, key=lambda d: d.amount).amount == next(
        d.amount for d in result.dividends if d.holder == richest.holder
    ) or any(h.invested == richest.invested and h is not richest for h in holdings)


def test_weak_villages_are_those_below_the_line() -> None:
    assert weak({"a": Decimal(400_000), "b": Decimal(600_000), "c": Decimal(100)}, Decimal(500_000)) == ["c", "a"]
