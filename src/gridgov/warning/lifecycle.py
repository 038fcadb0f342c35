"""The life of one zone's warning (pure, no I/O): issue → upgrade / downgrade / renew → cancel or expire.

:func:`decide` takes the active warning (or none), the colour the zone's gauges show now (or ``None`` when
no gauge is live) and the time, and says what to do. Rules:

* No warning and a colour at or above ``lowest`` → **issue** at that colour.
* A higher colour → **upgrade** at once (a warning is never below what the gauges show).
* A lower colour (or none) starts a calm spell. When the spell has lasted ``downgrade_minutes`` and some
  colour was seen during it → **downgrade** to the highest colour seen in the spell. When it has lasted
  ``quiet_minutes`` with no colour at all → **cancel** (all clear, 解除).
* Each message carries an expiry ``valid_hours`` ahead. While the gauges keep confirming the colour, a
  **renew** (an Update with a new expiry) goes out when less than ``renew_minutes`` are left. When no
  data confirms it (gauges silent) and the expiry passes → **expire**; that needs no message, the last
  message's ``<expires>`` already said so. If the gauges show a colour again after an expiry, a new
  warning is issued in the same step.
* No data changes nothing else: silence is not an all clear.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from gridgov.warning.enums import Change, Colour


class Lifecycle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lowest: Colour = Field(default=Colour.blue, description="最低发布颜色 (lowest colour that issues a warning)")
    downgrade_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60, description="降级前须持续的分钟数")
    quiet_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60, description="无预警雨量持续多久后解除")
    valid_hours: int = Field(default=24, ge=1, le=7 * 24, description="每条预警消息的有效小时数")
    renew_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60, description="到期前多少分钟续期")


@dataclass(frozen=True)
class Held:
    """What the lifecycle remembers about an active warning."""

    colour: Colour
    expires_at: datetime
    below_since: datetime | None = None
    """Start of the current calm spell (gauges below the warning's colour), if one is running."""
    below_peak: int = 0
    """Highest colour rank seen during the calm spell (0 = none)."""


@dataclass(frozen=True)
class Step:
    change: Change
    colour: Colour
    """The warning's colour after the step (for cancel/expire: the colour it had)."""


@dataclass(frozen=True)
class Decision:
    steps: tuple[Step, ...]
    """What happened, in order: usually none or one; an expiry followed by a new issue makes two."""
    held: Held | None
    """The state to keep; None when no warning is active afterwards."""


def decide(held: Held | None, observed: int | None, now: datetime, policy: Lifecycle) -> Decision:
    """One evaluation of one zone. ``observed`` is a colour rank (0 none … 4 red) or None for no data."""
    seen = None if observed is None else (observed if observed >= policy.lowest.rank else 0)
    valid = timedelta(hours=policy.valid_hours)
    if held is not None and now >= held.expires_at and (seen is None or seen < held.colour.rank):
        expired = Step(Change.expired, held.colour)
        if seen:
            colour = _colour(seen)
            return Decision((expired, Step(Change.issued, colour)), Held(colour, now + valid))
        return Decision((expired,), None)
    if held is None:
        if seen:
            colour = _colour(seen)
            return Decision((Step(Change.issued, colour),), Held(colour, now + valid))
        return Decision((), None)
    if seen is None:
        return Decision((), held)
    if seen > held.colour.rank:
        colour = _colour(seen)
        return Decision((Step(Change.upgraded, colour),), Held(colour, now + valid))
    if seen == held.colour.rank:
        calm = replace(held, below_since=None, below_peak=0)
        if held.expires_at - now <= timedelta(minutes=policy.renew_minutes):
            return Decision((Step(Change.renewed, held.colour),), replace(calm, expires_at=now + valid))
        return Decision((), calm)
    since = held.below_since or now
    peak = seen if held.below_since is None else max(held.below_peak, seen)
    spell = now - since
    if peak == 0 and spell >= timedelta(minutes=policy.quiet_minutes):
        return Decision((Step(Change.cancelled, held.colour),), None)
    if peak > 0 and spell >= timedelta(minutes=policy.downgrade_minutes):
        colour = _colour(peak)
        after = Held(colour, now + valid) if seen == peak else Held(colour, now + valid, now, seen)
        return Decision((Step(Change.downgraded, colour),), after)
    return Decision((), replace(held, below_since=since, below_peak=peak))


def _colour(rank: int) -> Colour:
    colour = Colour.from_rank(rank)
    assert colour is not None
    return colour
