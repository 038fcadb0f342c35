"""The three rates (三率) of the intake users' meters per user and per area, read from the core's sensing tables.

A user's parts are the sums of its meters' parts and an area's the sums of its users' (numerators and
denominators are summed upward, never the rates averaged). A user without a meter has no parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.evaluation.documents import Level
from gridgov.evaluation.periods import Period
from gridgov.evaluation.providers import area_of
from gridgov.water.documents import RATES
from gridgov.water.models import IntakeUser
from gridgov.water.rates import Rates, meter_rates
from gridgov.water.repository import WaterRepository


@dataclass(frozen=True)
class UserRates:
    user: IntakeUser
    rates: Rates
    meters: int


class WaterRates:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = WaterRepository(session)

    def target(self) -> float:
        return load_document(self.session, RATES).target

    def by_user(
        self, period: Period, scope: Sequence[str] | None = None, under_path: str | None = None
    ) -> list[UserRates]:
        """Every user in ``scope`` (None: all) with its meters' summed parts over the period."""
        return self.of_users(period, self.repo.users(scope, under_path))

    def of_users(self, period: Period, users: Sequence[IntakeUser]) -> list[UserRates]:
        """``users`` with their meters' summed parts over the period."""
        rules = load_document(self.session, RATES).rules()
        streams = self.repo.meter_streams([u.id for u in users])
        start, end = period.bounds()
        readings = self.repo.readings([s for ids in streams.values() for s in ids], start, end)
        found: list[UserRates] = []
        for user in users:
            total = Rates()
            for stream in streams[user.id]:
                total = total + meter_rates(readings[stream], start, end, rules)
            found.append(UserRates(user, total, len(streams[user.id])))
        return found

    def by_area(self, period: Period, level: Level, scope: Sequence[str] | None = None) -> dict[str, Rates]:
        """Area code of ``level`` → the summed parts of its users that have meters."""
        sums: dict[str, Rates] = {}
        for entry in self.by_user(period, scope):
            area = area_of(entry.user.path, level)
            if area is None or not entry.meters:
                continue
            sums[area] = sums.get(area, Rates()) + entry.rates
        return sums
