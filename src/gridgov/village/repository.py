"""Queries of the village module. Lists take ``scope`` (the reader's org paths; None: everything)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from gridgov.org.enums import NodeKind
from gridgov.org.models import OrgNode, Person
from gridgov.org.repository import under
from gridgov.registry.models import Place
from gridgov.village.models import (
    Activity,
    Booking,
    Cadre,
    Collective,
    CollectiveIncome,
    Indicator,
    PointsAccount,
    PointsEntry,
    Project,
    ProjectYear,
    Repair,
    Score,
    Shareholding,
    VolunteerShift,
)

T = TypeVar("T")


def _scoped(statement: Select[T], column: Any, scope: Sequence[str] | None) -> Select[T]:
    return statement if scope is None else statement.where(under(scope, column))


class VillageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # collective economy ---------------------------------------------------------------------------------------
    def collectives(self, scope: Sequence[str] | None = None) -> list[Collective]:
        statement = select(Collective).order_by(Collective.path, Collective.code)
        return list(self.session.scalars(_scoped(statement, Collective.path, scope)))

    def collective(self, code: str) -> Collective | None:
        return self.session.scalars(select(Collective).where(Collective.code == code)).first()

    def projects(self, scope: Sequence[str] | None = None) -> list[Project]:
        statement = select(Project).order_by(Project.path, Project.code)
        return list(self.session.scalars(_scoped(statement, Project.path, scope)))

    def project(self, code: str) -> Project | None:
        return self.session.scalars(select(Project).where(Project.code == code)).first()

    def holdings(self, project_ids: Sequence[int]) -> dict[int, list[tuple[Shareholding, Collective]]]:
        found: dict[int, list[tuple[Shareholding, Collective]]] = {p: [] for p in project_ids}
        rows = self.session.execute(
            select(Shareholding, Collective)
            .join(Collective, Collective.id == Shareholding.collective_id)
            .where(Shareholding.project_id.in_(project_ids))
            .order_by(Shareholding.project_id, Shareholding.id)
        )
        for holding, collective in rows:
            found[holding.project_id].append((holding, collective))
        return found

    def years(self, project_ids: Sequence[int], year: int | None = None) -> dict[int, list[ProjectYear]]:
        found: dict[int, list[ProjectYear]] = {p: [] for p in project_ids}
        statement = select(ProjectYear).where(ProjectYear.project_id.in_(project_ids)).order_by(ProjectYear.year)
        if year is not None:
            statement = statement.where(ProjectYear.year == year)
        for row in self.session.scalars(statement):
            found[row.project_id].append(row)
        return found

    def incomes(self, collective_ids: Sequence[int], years: Sequence[int]) -> list[CollectiveIncome]:
        statement = select(CollectiveIncome).where(
            CollectiveIncome.collective_id.in_(collective_ids), CollectiveIncome.year.in_(years)
        )
        return list(self.session.scalars(statement))

    # assessment -----------------------------------------------------------------------------------------------
    def indicators(self, year: int, township_path: str | None = None) -> list[Indicator]:
        statement = select(Indicator).where(Indicator.year == year).order_by(Indicator.kind, Indicator.code)
        if township_path is not None:
            statement = statement.where(under([township_path], Indicator.path))
        return list(self.session.scalars(statement))

    def scores(self, indicator_ids: Sequence[int], periods: Sequence[str]) -> list[Score]:
        found: list[Score] = []
        for chunk in range(0, len(indicator_ids), 500):
            statement = select(Score).where(
                Score.indicator_id.in_(indicator_ids[chunk : chunk + 500]), Score.period.in_(periods)
            )
            found += self.session.scalars(statement)
        return found

    def score(self, indicator_id: int, village_code: str, period: str) -> Score | None:
        statement = select(Score).where(
            Score.indicator_id == indicator_id, Score.village_code == village_code, Score.period == period
        )
        return self.session.scalars(statement).first()

    def cadres(self, year: int, scope: Sequence[str] | None = None) -> list[Cadre]:
        statement = select(Cadre).where(Cadre.year == year).order_by(Cadre.path, Cadre.id)
        return list(self.session.scalars(_scoped(statement, Cadre.path, scope)))

    # resident services ----------------------------------------------------------------------------------------
    def places(self, types: Sequence[str], scope: Sequence[str] | None = None) -> list[Place]:
        statement = select(Place).where(Place.type_code.in_(types), Place.active.is_(True)).order_by(Place.code)
        return list(self.session.scalars(_scoped(statement, Place.path, scope)))

    def place(self, place_id: int) -> Place | None:
        return self.session.get(Place, place_id)

    def activities(self, scope: Sequence[str] | None, since: datetime) -> list[Activity]:
        statement = (
            select(Activity)
            .where(Activity.ends_at >= since, Activity.cancelled.is_(False))
            .order_by(Activity.starts_at, Activity.id)
        )
        return list(self.session.scalars(_scoped(statement, Activity.path, scope)))

    def overlapping(self, place_id: int, starts_at: datetime, ends_at: datetime) -> Activity | None:
        statement = select(Activity).where(
            Activity.place_id == place_id,
            Activity.cancelled.is_(False),
            Activity.starts_at < ends_at,
            Activity.ends_at > starts_at,
        )
        return self.session.scalars(statement).first()

    def take_seat(self, activity_id: int) -> bool:
        """Raise the activity's bookings by one if a seat is free: one conditional update, so concurrent bookings
        cannot pass capacity on any backend."""
        result = self.session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.booked < Activity.capacity)
            .values(booked=Activity.booked + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def free_seat(self, activity_id: int) -> None:
        self.session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.booked > 0)
            .values(booked=Activity.booked - 1)
            .execution_options(synchronize_session=False)
        )

    def booking(self, activity_id: int, person_id: int) -> Booking | None:
        statement = select(Booking).where(Booking.activity_id == activity_id, Booking.person_id == person_id)
        return self.session.scalars(statement).first()

    def first_waiting(self, activity_id: int) -> Booking | None:
        statement = (
            select(Booking)
            .where(Booking.activity_id == activity_id, Booking.status == "waiting")
            .order_by(Booking.created_at, Booking.id)
        )
        return self.session.scalars(statement).first()

    def bookings_of(self, person_id: int) -> list[tuple[Booking, Activity]]:
        rows = self.session.execute(
            select(Booking, Activity)
            .join(Activity, Activity.id == Booking.activity_id)
            .where(Booking.person_id == person_id)
            .order_by(Activity.starts_at.desc(), Booking.id)
        )
        return [(b, a) for b, a in rows]

    def person_overlaps(self, person_id: int, starts_at: datetime, ends_at: datetime) -> Booking | None:
        statement = (
            select(Booking)
            .join(Activity, Activity.id == Booking.activity_id)
            .where(
                Booking.person_id == person_id,
                Booking.status.in_(("booked", "waiting")),
                Activity.starts_at < ends_at,
                Activity.ends_at > starts_at,
            )
        )
        return self.session.scalars(statement).first()

    def no_shows(self, person_id: int, since: datetime) -> int:
        statement = select(func.count(Booking.id)).where(
            Booking.person_id == person_id, Booking.status == "no_show", Booking.updated_at >= since
        )
        return int(self.session.scalar(statement) or 0)

    def points_account(self, person_id: int) -> PointsAccount | None:
        return self.session.scalars(select(PointsAccount).where(PointsAccount.person_id == person_id)).first()

    def change_balance(self, account_id: int, delta: int) -> int | None:
        """Add ``delta`` unless the balance would go below zero (one conditional update); the new balance, or
        None when refused."""
        result = self.session.execute(
            update(PointsAccount)
            .where(PointsAccount.id == account_id, PointsAccount.balance + delta >= 0)
            .values(balance=PointsAccount.balance + delta)
            .returning(PointsAccount.balance)
            .execution_options(synchronize_session=False)
        )
        row = result.first()
        return None if row is None else int(row[0])

    def entries(self, account_id: int, limit: int = 100) -> list[PointsEntry]:
        statement = (
            select(PointsEntry).where(PointsEntry.account_id == account_id).order_by(PointsEntry.id.desc()).limit(limit)
        )
        return list(self.session.scalars(statement))

    def repairs_of(self, person_id: int) -> list[Repair]:
        statement = select(Repair).where(Repair.person_id == person_id).order_by(Repair.id.desc())
        return list(self.session.scalars(statement))

    def shifts(self, place_ids: Sequence[int], first: date, last: date) -> list[VolunteerShift]:
        statement = (
            select(VolunteerShift)
            .where(
                VolunteerShift.place_id.in_(place_ids),
                VolunteerShift.day >= first,
                VolunteerShift.day <= last,
            )
            .order_by(VolunteerShift.day, VolunteerShift.place_id, VolunteerShift.slot, VolunteerShift.seat)
        )
        return list(self.session.scalars(statement))

    # org --------------------------------------------------------------------------------------------------------
    def villages(self, under_path: str) -> list[OrgNode]:
        """The villages (and communities) under a township's (or county's) path."""
        statement = (
            select(OrgNode)
            .where(OrgNode.kind == NodeKind.village.value, under([under_path], OrgNode.path))
            .order_by(OrgNode.code)
        )
        return list(self.session.scalars(statement))

    def node(self, code: str) -> OrgNode | None:
        return self.session.scalars(select(OrgNode).where(OrgNode.code == code)).first()

    def people(self, ids: Sequence[int]) -> dict[int, Person]:
        return {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
