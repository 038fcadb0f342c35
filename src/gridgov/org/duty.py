"""Who is on duty (在岗值班): one call for the core and the modules, answered by the modules that keep rosters.

A module that keeps duty rosters declares a :class:`DutyProvider` (``Module.duty``); the application registers
the enabled modules' providers at activation (:func:`set_providers`). The core asks :func:`on_duty` — the warning
fan-out for the village duty room of a zone, the case escalation for the township platform — and never imports a
module. With no provider registered the answer is empty: nobody is on a roster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

CHECKPOINT = "checkpoint"
"""A checkpoint (卡口/小门): one village's, or shared by several villages in normal times."""
VILLAGE_DUTY_ROOM = "village_duty_room"
"""A village's duty room (村值班室)."""
TOWNSHIP_PLATFORM = "township_platform"
"""The township's platform (镇综合信息指挥室/应急中心 值班)."""
COUNTY_DUTY_DESK = "county_duty_desk"
"""The county centre's duty desk (县社会治理中心值班台)."""
POST_KINDS = (CHECKPOINT, VILLAGE_DUTY_ROOM, TOWNSHIP_PLATFORM, COUNTY_DUTY_DESK)


@dataclass(frozen=True)
class OnDuty:
    person_id: int
    name: str
    post_code: str
    post_name: str
    post_kind: str
    role: str
    starts_at: datetime
    ends_at: datetime


class DutyProvider(Protocol):
    def on_duty(
        self, session: Session, at: datetime, *, post: str | None, area: str | None, kind: str | None
    ) -> Sequence[OnDuty]:
        """People whose shift covers ``at``: at the post with code ``post``, or at the posts (of ``kind``) that
        serve the org path ``area`` (a post serves its own node's subtree and the villages it is shared by)."""
        ...


_providers: dict[str, DutyProvider] = {}


def set_providers(providers: Mapping[str, DutyProvider]) -> None:
    """The enabled modules' providers, by module name (replaces the earlier set: a disabled module answers
    nothing)."""
    _providers.clear()
    _providers.update(providers)


def on_duty(
    session: Session, at: datetime, *, post: str | None = None, area: str | None = None, kind: str | None = None
) -> list[OnDuty]:
    """Who is on duty at post ``post`` / for org path ``area`` at ``at`` (optionally only posts of ``kind``)."""
    found: list[OnDuty] = []
    for provider in _providers.values():
        found.extend(provider.on_duty(session, at, post=post, area=area, kind=kind))
    return found
