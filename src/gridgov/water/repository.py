"""Queries of the water module: the registry, the meters' datastreams and their readings, the monthly plans and
what the monthly pass issued (bills, letters), and who receives the letters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Integer, Row, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridgov.org.models import OrgNode, RoleAssignment
from gridgov.org.repository import under
from gridgov.sensing.models import Datastream, Observation, Station
from gridgov.water.models import Bill, IntakePoint, IntakeUser, Letter, Permit, Plan
from gridgov.water.rates import Columns, Reading

VOLUME = "volume"
"""The datastream property of a meter's cumulative volume (m³)."""
CHUNK = 500
"""Datastreams per query."""


def _micros(column: InstrumentedAttribute[datetime], dialect: str) -> ColumnElement[int]:
    """A UTC timestamp column as whole microseconds since the epoch, computed by the database (no datetime
    object per row). SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC."""
    if dialect == "sqlite":
        seconds = cast(func.strftime("%s", func.substr(column, 1, 19)), Integer)
        return seconds * 1_000_000 + cast(func.substr(column, 21, 6), Integer)
    return cast(func.extract("epoch", column) * 1_000_000, BigInteger)


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

    def columns(self, stream_ids: Sequence[int], start: datetime, end: datetime) -> Columns:
        """The readings of ``stream_ids`` in ``[start, end)`` as columns, by stream then time (plain tuples from
        the database, no ``Reading`` per row)."""
        dialect = self.session.get_bind().dialect.name
        parts: list[Row[int, int, int, float]] = []
        for chunk in range(0, len(stream_ids), CHUNK):
            parts += self.session.execute(
                select(
                    Observation.datastream_id,
                    _micros(Observation.phenomenon_time, dialect),
                    _micros(Observation.received_at, dialect),
                    Observation.value,
                )
                .where(
                    Observation.datastream_id.in_(stream_ids[chunk : chunk + CHUNK]),
                    Observation.phenomenon_time >= start,
                    Observation.phenomenon_time < end,
                )
                .order_by(Observation.datastream_id, Observation.phenomenon_time)
            ).all()
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return Columns(empty, empty, empty, np.zeros(0, dtype=np.float64))
        stream, time, received, value = zip(*parts, strict=True)
        return Columns(
            np.array(stream, dtype=np.int64),
            np.array(time, dtype=np.int64),
            np.array(received, dtype=np.int64),
            np.array(value, dtype=np.float64),
        )

    def user_in(self, user_id: int, scope: Sequence[str]) -> IntakeUser | None:
        """The user if it lies in ``scope``."""
        return self.session.scalars(
            select(IntakeUser).where(IntakeUser.id == user_id, under(scope, IntakeUser.path))
        ).one_or_none()

    def plans(self, user_ids: Sequence[int], year: int, months: Sequence[int] | None = None) -> list[Plan]:
        """The plans of ``user_ids`` in ``year`` (of ``months`` when given), by user and month."""
        found: list[Plan] = []
        for chunk in range(0, len(user_ids), 500):
            statement = select(Plan).where(Plan.user_id.in_(user_ids[chunk : chunk + 500]), Plan.year == year)
            if months is not None:
                statement = statement.where(Plan.month.in_(list(months)))
            found += self.session.scalars(statement)
        return sorted(found, key=lambda p: (p.user_id, p.month))

    def plan(self, user_id: int, year: int, month: int) -> Plan | None:
        return self.session.scalars(
            select(Plan).where(Plan.user_id == user_id, Plan.year == year, Plan.month == month)
        ).one_or_none()

    def planned_users(self, year: int, month: int) -> list[IntakeUser]:
        """Users with a plan for the month."""
        statement = (
            select(IntakeUser)
            .join(Plan, Plan.user_id == IntakeUser.id)
            .where(Plan.year == year, Plan.month == month)
            .order_by(IntakeUser.id)
        )
        return list(self.session.scalars(statement))

    def bills(self, year: int, month: int, scope: Sequence[str] | None = None) -> list[Bill]:
        statement = select(Bill).join(IntakeUser, IntakeUser.id == Bill.user_id)
        statement = statement.where(Bill.year == year, Bill.month == month)
        if scope is not None:
            statement = statement.where(under(scope, IntakeUser.path))
        return list(self.session.scalars(statement.order_by(IntakeUser.path, IntakeUser.id)))

    def bill_of(self, user_id: int, year: int, month: int) -> Bill | None:
        return self.session.scalars(
            select(Bill).where(Bill.user_id == user_id, Bill.year == year, Bill.month == month)
        ).one_or_none()

    def letters(self, year: int, month: int, scope: Sequence[str] | None = None) -> list[Letter]:
        statement = select(Letter).join(IntakeUser, IntakeUser.id == Letter.user_id)
        statement = statement.where(Letter.year == year, Letter.month == month)
        if scope is not None:
            statement = statement.where(under(scope, IntakeUser.path))
        return list(self.session.scalars(statement.order_by(IntakeUser.path, IntakeUser.id)))

    def letter_in(self, letter_id: int, scope: Sequence[str]) -> tuple[Letter, IntakeUser] | None:
        row = self.session.execute(
            select(Letter, IntakeUser)
            .join(IntakeUser, IntakeUser.id == Letter.user_id)
            .where(Letter.id == letter_id, under(scope, IntakeUser.path))
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def role_holders(self, roles: Sequence[str], node_code: str) -> list[int]:
        """Ids of the people holding one of ``roles`` at the node ``node_code``."""
        statement = (
            select(RoleAssignment.person_id)
            .join(OrgNode, OrgNode.id == RoleAssignment.node_id)
            .where(OrgNode.code == node_code, RoleAssignment.role.in_(list(roles)))
            .order_by(RoleAssignment.person_id)
        )
        return list(dict.fromkeys(self.session.scalars(statement)))
