"""Queries of the inspections and duty rosters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridgov.inspection.models import (
    DutyAssignment,
    DutyMember,
    DutyPost,
    DutyRoster,
    DutySwap,
    InspectionCheck,
    InspectionFinding,
)
from gridgov.org.models import GridAssignment, OrgNode, Person
from gridgov.registry.models import Place


def under(column: InstrumentedAttribute[str], paths: Sequence[str] | None) -> ColumnElement[bool]:
    """``column`` lies in one of ``paths`` (None: anywhere)."""
    if paths is None:
        return true()
    return or_(*(column.startswith(p) for p in paths)) if paths else false()


class InspectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def grid_paths(self, person_id: int) -> list[str]:
        stmt = select(OrgNode.path).join(GridAssignment, GridAssignment.node_id == OrgNode.id)
        return list(self.session.scalars(stmt.where(GridAssignment.person_id == person_id)))

    def places(self, types: Sequence[str], paths: Sequence[str] | None) -> Select[Place]:
        return select(Place).where(Place.active.is_(True), Place.type_code.in_(types), under(Place.path, paths))

    def last_checks(self, place_ids: Sequence[int] | None = None, since: datetime | None = None) -> dict[int, datetime]:
        stmt = select(InspectionCheck.place_id, func.max(InspectionCheck.checked_at)).group_by(InspectionCheck.place_id)
        if place_ids is not None:
            stmt = stmt.where(InspectionCheck.place_id.in_(place_ids))
        if since is not None:
            stmt = stmt.where(InspectionCheck.checked_at >= since)
        return {row[0]: row[1] for row in self.session.execute(stmt)}

    def place_rows(self, types: Sequence[str], paths: Sequence[str] | None) -> list[tuple[int, str, str]]:
        stmt = select(Place.id, Place.path, Place.type_code).where(
            Place.active.is_(True), Place.type_code.in_(types), under(Place.path, paths)
        )
        return [(i, p, t) for i, p, t in self.session.execute(stmt)]

    def open_findings(self, place_id: int) -> list[InspectionFinding]:
        stmt = select(InspectionFinding).where(
            InspectionFinding.place_id == place_id, InspectionFinding.state == "open"
        )
        return list(self.session.scalars(stmt.order_by(InspectionFinding.id)))

    def veto_places(self, place_ids: Sequence[int] | None = None) -> set[int]:
        stmt = select(InspectionFinding.place_id).where(
            InspectionFinding.state == "open", InspectionFinding.grade == "veto"
        )
        if place_ids is not None:
            stmt = stmt.where(InspectionFinding.place_id.in_(place_ids))
        return set(self.session.scalars(stmt))

    def findings(
        self, paths: Sequence[str] | None, state: str | None, limit: int, offset: int
    ) -> tuple[list[tuple[InspectionFinding, Place]], int]:
        stmt = (
            select(InspectionFinding, Place)
            .join(Place, Place.id == InspectionFinding.place_id)
            .where(under(InspectionFinding.path, paths))
        )
        if state:
            stmt = stmt.where(InspectionFinding.state == state)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.execute(stmt.order_by(InspectionFinding.id.desc()).limit(limit).offset(offset))
        return [(row[0], row[1]) for row in rows], total

    def finding_rows(
        self, paths: Sequence[str] | None, start: datetime, end: datetime
    ) -> list[tuple[str, str, datetime | None, datetime | None]]:
        """(path, state, deadline, rectified_at) of the findings found in [start, end)."""
        stmt = select(
            InspectionFinding.path,
            InspectionFinding.state,
            InspectionFinding.deadline_at,
            InspectionFinding.rectified_at,
        ).where(
            InspectionFinding.found_at >= start, InspectionFinding.found_at < end, under(InspectionFinding.path, paths)
        )
        return [(p, s, d, r) for p, s, d, r in self.session.execute(stmt)]

    def checks(self, place_id: int) -> list[InspectionCheck]:
        stmt = select(InspectionCheck).where(InspectionCheck.place_id == place_id)
        return list(self.session.scalars(stmt.order_by(InspectionCheck.checked_at.desc())))

    def check_by_client(self, client_id: str) -> InspectionCheck | None:
        return self.session.scalars(select(InspectionCheck).where(InspectionCheck.client_id == client_id)).first()


class RosterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def posts(self, paths: Sequence[str] | None) -> list[DutyPost]:
        stmt = select(DutyPost).where(DutyPost.active.is_(True), under(DutyPost.path, paths))
        return list(self.session.scalars(stmt.order_by(DutyPost.code)))

    def post(self, code: str) -> DutyPost | None:
        return self.session.scalars(select(DutyPost).where(DutyPost.code == code)).first()

    def members(self, post_ids: Sequence[int]) -> list[DutyMember]:
        return list(self.session.scalars(select(DutyMember).where(DutyMember.post_id.in_(post_ids))))

    def people(self, person_ids: Sequence[int]) -> dict[int, Person]:
        return {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(person_ids)))}

    def latest_roster(self, month: str, path: str) -> DutyRoster | None:
        stmt = select(DutyRoster).where(DutyRoster.month == month, DutyRoster.path == path)
        return self.session.scalars(stmt.order_by(DutyRoster.id.desc())).first()

    def rosters(self, paths: Sequence[str] | None) -> list[DutyRoster]:
        stmt = select(DutyRoster).where(under(DutyRoster.path, paths))
        return list(self.session.scalars(stmt.order_by(DutyRoster.id.desc()).limit(50)))

    def remove_month(self, post_ids: Sequence[int], first: date, last: date) -> None:
        """Earlier assignments of these posts in the month (a new roster replaces them)."""
        stmt = select(DutyAssignment).where(
            DutyAssignment.post_id.in_(post_ids), DutyAssignment.day >= first, DutyAssignment.day <= last
        )
        for row in self.session.scalars(stmt):
            self.session.delete(row)
        self.session.flush()

    def assignments(
        self,
        *,
        post_ids: Sequence[int] | None = None,
        person_id: int | None = None,
        first: date | None = None,
        last: date | None = None,
    ) -> list[DutyAssignment]:
        stmt = select(DutyAssignment)
        if post_ids is not None:
            stmt = stmt.where(DutyAssignment.post_id.in_(post_ids))
        if person_id is not None:
            stmt = stmt.where(DutyAssignment.person_id == person_id)
        if first is not None:
            stmt = stmt.where(DutyAssignment.day >= first)
        if last is not None:
            stmt = stmt.where(DutyAssignment.day <= last)
        return list(self.session.scalars(stmt.order_by(DutyAssignment.starts_at, DutyAssignment.post_id)))

    def current(self, at: datetime, post_ids: Sequence[int]) -> list[DutyAssignment]:
        stmt = select(DutyAssignment).where(
            DutyAssignment.post_id.in_(post_ids), DutyAssignment.starts_at <= at, DutyAssignment.ends_at > at
        )
        return list(self.session.scalars(stmt.order_by(DutyAssignment.post_id, DutyAssignment.role)))

    def swaps(self, assignment_ids: Sequence[int]) -> list[DutySwap]:
        stmt = select(DutySwap).where(DutySwap.assignment_id.in_(assignment_ids))
        return list(self.session.scalars(stmt.order_by(DutySwap.id)))
