"""Queries of the water module: the registry, the meters' datastreams and their readings (read-only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.org.repository import under
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.water.models import IntakePoint, IntakeUser, Permit
from gridgov.water.rates import Reading

VOLUME = "volume"
"""The datastream property of a meter's cumulative volume (m³)."""


class WaterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def users(self, scope: Sequence[str] | None = None, under_path: str | None = None) -> list[IntakeUser]:
        statement = select(IntakeUser).order_by(IntakeUser.path, IntakeUser.id)
        if scope is not None:
            statement = statement.where(under(scope, IntakeUser.path))
        if under_path is not None:
            statement = statement.where(under([under_path], IntakeUser.path))
        return list(self.session.scalars(statement))

    def users_of_enterprise(self, enterprise_id: int, scope: Sequence[str]) -> list[IntakeUser]:
        statement = select(IntakeUser).where(IntakeUser.enterprise_id == enterprise_id, under(scope, IntakeUser.path))
        return list(self.session.scalars(statement.order_by(IntakeUser.id)))

    def permits_of(self, user_ids: Sequence[int]) -> list[Permit]:
        statement = select(Permit).where(Permit.user_id.in_(list(user_ids))).order_by(Permit.valid_to)
        return list(self.session.scalars(statement))

    def points(self) -> list[IntakePoint]:
        return list(self.session.scalars(select(IntakePoint).order_by(IntakePoint.id)))

    def permits(self) -> list[Permit]:
        return list(self.session.scalars(select(Permit).order_by(Permit.id)))

    def meter_streams(self, user_ids: Sequence[int]) -> dict[int, list[int]]:
        """User id → the ids of its meters' ``volume`` datastreams."""
        found: dict[int, list[int]] = {u: [] for u in user_ids}
        if not user_ids:
            return found
        rows = self.session.execute(
            select(IntakePoint.user_id, Datastream.id)
            .join(Station, Station.code == IntakePoint.station_code)
            .join(Datastream, Datastream.station_id == Station.id)
            .where(Datastream.property == VOLUME, IntakePoint.user_id.in_(user_ids))
            .order_by(Datastream.id)
        )
        for user_id, stream_id in rows:
            found[user_id].append(stream_id)
        return found

    def readings(self, stream_ids: Sequence[int], start: datetime, end: datetime) -> dict[int, list[Reading]]:
        """Datastream id → its readings of ``[start, end)`` in time order."""
        found: dict[int, list[Reading]] = {s: [] for s in stream_ids}
        for chunk in range(0, len(stream_ids), 500):
            rows = self.session.execute(
                select(
                    Observation.datastream_id, Observation.phenomenon_time, Observation.received_at, Observation.value
                )
                .where(
                    Observation.datastream_id.in_(stream_ids[chunk : chunk + 500]),
                    Observation.phenomenon_time >= start,
                    Observation.phenomenon_time < end,
                )
                .order_by(Observation.datastream_id, Observation.phenomenon_time)
            )
            for stream_id, time, received, value in rows:
                found[stream_id].append(Reading(time, received, value))
        return found
