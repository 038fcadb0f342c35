"""The collective economy's arithmetic (抱团发展), pure: shares from investments, the backer's cover of a
shortfall (兜底), a year's distributable income and its split by share to the fen.

Amounts are :class:`~decimal.Decimal` yuan with two places. A split gives every holder its share rounded down to
the fen and hands the fens left over to the largest remainders (ties: the earlier holder), so the parts always add
up to the whole, exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")
SHARE_PLACES = Decimal("0.000001")


def yuan(value: Decimal | int | str) -> Decimal:
    """An amount rounded to the fen."""
    return Decimal(value).quantize(FEN)


@dataclass(frozen=True)
class Holding:
    """One participant of a joint project (a village cooperative, a company) and what it put in."""

    holder: str
    invested: Decimal
    share: Decimal | None = None
    """An agreed share (入股比例, 0–1) when it is not simply the investment's part of the total."""


def shares(holdings: Sequence[Holding]) -> dict[str, Decimal]:
    """Holder → share of the project (0–1). Agreed shares are taken as they are; the rest of the project is
    divided among the other holders by investment. Raises ValueError when shares exceed 1 or nothing is left
    to divide by."""
    agreed = {h.holder: h.share for h in holdings if h.share is not None}
    fixed = sum(agreed.values(), Decimal(0))
    if fixed > 1 or any(s < 0 for s in agreed.values()):
        raise ValueError(f"入股比例之和超过100% (agreed shares add up to {fixed})")
    rest = [h for h in holdings if h.share is None]
    pool = sum((h.invested for h in rest), Decimal(0))
    if rest and pool <= 0:
        raise ValueError("未约定比例的参与方没有出资 (holders without an agreed share invested nothing)")
    found = {h: s for h, s in agreed.items() if s is not None}
    for h in rest:
        found[h.holder] = (1 - fixed) * h.invested / pool
    return found


def shortfall(planned: Decimal, holdings: Sequence[Holding]) -> Decimal:
    """What the backer (兜底方) must put in: the planned investment less what the participants invested, never
    below zero."""
    return max(yuan(planned) - sum((h.invested for h in holdings), Decimal(0)), Decimal(0)).quantize(FEN)


def distributable(income: Decimal, costs: Decimal, reserve_rate: Decimal = Decimal(0)) -> Decimal:
    """A year's income less its costs and the reserve kept back (提留, a share of the profit); a loss distributes
    nothing."""
    profit = yuan(income) - yuan(costs)
    if profit <= 0:
        return Decimal("0.00")
    return (profit - (profit * reserve_rate).quantize(FEN, ROUND_DOWN)).quantize(FEN)


def split(amount: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """``amount`` divided by ``weights`` to the fen (largest remainder), adding up to ``amount`` exactly."""
    total = sum(weights.values(), Decimal(0))
    cents = int(yuan(amount) / FEN)
    if total <= 0 or cents <= 0:
        return {k: Decimal("0.00") for k in weights}
    exact = {k: Decimal(cents) * w / total for k, w in weights.items()}
    floors = {k: int(v.to_integral_value(ROUND_DOWN)) for k, v in exact.items()}
    left = cents - sum(floors.values())
    position = {k: i for i, k in enumerate(weights)}
    order = sorted(weights, key=lambda k: (-(exact[k] - floors[k]), position[k]))
    for k in order[:left]:
        floors[k] += 1
    return {k: Decimal(v) * FEN for k, v in floors.items()}


@dataclass(frozen=True)
class Dividend:
    holder: str
    share: Decimal
    amount: Decimal


@dataclass(frozen=True)
class YearSplit:
    """A project's year: what came in, what went out, what was kept and who got what (the calculation shown)."""

    income: Decimal
    costs: Decimal
    reserve: Decimal
    distributed: Decimal
    dividends: tuple[Dividend, ...]


def year_split(
    holdings: Sequence[Holding], income: Decimal, costs: Decimal, reserve_rate: Decimal = Decimal(0)
) -> YearSplit:
    by_holder = shares(holdings)
    amount = distributable(income, costs, reserve_rate)
    parts = split(amount, by_holder)
    profit = max(yuan(income) - yuan(costs), Decimal(0))
    return YearSplit(
        income=yuan(income),
        costs=yuan(costs),
        reserve=(profit - amount).quantize(FEN),
        distributed=amount,
        dividends=tuple(Dividend(h, by_holder[h].quantize(SHARE_PLACES), parts[h]) for h in by_holder),
    )


def weak(incomes: Mapping[str, Decimal], line: Decimal) -> list[str]:
    """The villages whose collective income is below the line (集体经济薄弱村), lowest first."""
    return sorted((v for v, amount in incomes.items() if amount < line), key=lambda v: (incomes[v], v))
