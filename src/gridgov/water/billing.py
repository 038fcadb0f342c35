"""The bill of one intake user for a period (pure): the volume used at the base price, plus the over-plan surcharge
(超计划累进加价) in tiers of the share by which use exceeds the plan, each line with its volume, rate and amount.

Tiers come from ``water.surcharge``: ``above`` is the share over plan where a tier starts (0.2 = 20 % over) and
``multiple`` the multiple of the base price added per m³ in it; a tier ends where the next begins. Amounts are
``Decimal`` yuan rounded half-up to the fen per line, and the total is the sum of the lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Tier:
    above: Decimal
    multiple: Decimal


@dataclass(frozen=True)
class Line:
    above: Decimal | None
    """None: the base line; else the share over plan where this surcharge tier starts."""
    below: Decimal | None
    """Where the tier ends (None: open-ended, or the base line)."""
    volume_m3: Decimal
    rate: Decimal
    """Yuan per m³."""
    amount: Decimal


@dataclass(frozen=True)
class Bill:
    planned_m3: Decimal
    used_m3: Decimal
    lines: tuple[Line, ...]

    @property
    def surcharge(self) -> Decimal:
        return sum((line.amount for line in self.lines[1:]), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def _amount(volume: Decimal, rate: Decimal) -> Decimal:
    return (volume * rate).quantize(FEN, rounding=ROUND_HALF_UP)


def bill(planned_m3: Decimal, used_m3: Decimal, price: Decimal, tiers: tuple[Tier, ...]) -> Bill:
    """The base line and one line per tier that use reaches (tiers sorted by ``above``)."""
    lines = [Line(None, None, used_m3, price, _amount(used_m3, price))]
    bounds = [*(t.above for t in tiers[1:]), None]
    for tier, upper in zip(tiers, bounds, strict=True):
        low = planned_m3 * (1 + tier.above)
        high = used_m3 if upper is None else min(used_m3, planned_m3 * (1 + upper))
        if high <= low:
            continue
        rate = price * tier.multiple
        lines.append(Line(tier.above, upper, high - low, rate, _amount(high - low, rate)))
    return Bill(planned_m3, used_m3, tuple(lines))
