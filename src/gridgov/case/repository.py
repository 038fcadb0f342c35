"""All queries of the case domain."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from gridgov.case.models import Case, CaseAttachment, CaseCategory, CaseEvent, Holiday
from gridgov.org.models import GridAssignment, OrgNode, RoleAssignment, Unit, UnitMembership
from gridgov.org.repository import under


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12_742_000 * math.asin(math.sqrt(a))


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def categories(self) -> list[CaseCategory]:
        return list(self.session.scalars(select(CaseCategory).order_by(CaseCategory.code)))

    def categories_version(self) -> tuple[int, str | None]:
        count, latest = self.session.execute(select(func.count(), func.max(CaseCategory.updated_at))).one()
        return int(count), None if latest is None else str(latest)

    def by_number(self, number: str) -> Case | None:
        return self.session.scalars(select(Case).where(Case.number == number)).one_or_none()

    def visible(self, scope: Sequence[str], unit_ids: Sequence[int]) -> Select[Case]:
        conditions = [under(scope, Case.path)]
        if unit_ids:
            conditions.append(Case.unit_id.in_(unit_ids))
        return select(Case).where(or_(*conditions))

    def page(self, stmt: Select[Case], *, limit: int, offset: int) -> tuple[list[Case], int]:
        total = self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        items = list(self.session.scalars(stmt.order_by(Case.id.desc()).limit(limit).offset(offset)))
        return items, total

    def state_is(self, state: str) -> ColumnElement[bool]:
        return Case.state == state

    def category_is(self, code: str) -> ColumnElement[bool]:
        return Case.category_code.startswith(code, autoescape=True)

    def township_is(self, code: str) -> ColumnElement[bool]:
        return Case.township_code == code

    def overdue_for_update(self, now: datetime, states: Sequence[str], limit: int) -> list[Case]:
        """Open cases whose deadline passed and was not yet acted on, locked for this sweeper;
        rows another sweeper holds are skipped (PostgreSQL; SQLite has one writer anyway)."""
        stmt = (
            select(Case)
            .where(
                Case.state.in_(states),
                Case.deadline_at <= now,
                or_(Case.overdue_handled_for.is_(None), Case.overdue_handled_for < Case.deadline_at),
            )
            .order_by(Case.deadline_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def attachments(self, case_id: int) -> list[CaseAttachment]:
        stmt = select(CaseAttachment).where(CaseAttachment.case_id == case_id).order_by(CaseAttachment.id)
        return list(self.session.scalars(stmt))

    def attachment(self, case_id: int, attachment_id: int) -> CaseAttachment | None:
        row = self.session.get(CaseAttachment, attachment_id)
        return row if row is not None and row.case_id == case_id else None

    def holidays(self) -> list[tuple[date, bool]]:
        return [(d, w) for d, w in self.session.execute(select(Holiday.day, Holiday.is_workday))]

    def number_of(self, case_id: int) -> str | None:
        return self.session.scalar(select(Case.number).where(Case.id == case_id))

    def nearby_open(self, category: str, lon: float, lat: float, metres: float, since: datetime) -> Case | None:
        """The nearest open case of this category within ``metres`` reported since ``since``."""
        dlat = metres / 111_320
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        stmt = select(Case).where(
            Case.category_code == category,
            Case.state.not_in(["closed", "merged", "cancelled"]),
            Case.created_at >= since,
            Case.lon.between(lon - dlon, lon + dlon),
            Case.lat.between(lat - dlat, lat + dlat),
        )
        best: tuple[float, Case] | None = None
        for case in self.session.scalars(stmt.limit(50)):
            distance = _metres(lon, lat, case.lon, case.lat)
            if distance <= metres and (best is None or distance < best[0]):
                best = (distance, case)
        return None if best is None else best[1]

    def events(self, case_id: int) -> list[CaseEvent]:
        return list(self.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))

    def unit(self, unit_id: int | None) -> Unit | None:
        return None if unit_id is None else self.session.get(Unit, unit_id)

    def unit_by_code(self, code: str) -> Unit | None:
        return self.session.scalars(select(Unit).where(Unit.code == code)).one_or_none()

    def unit_path(self, unit_id: int) -> str | None:
        return self.session.scalar(
            select(OrgNode.path).join(Unit, Unit.node_id == OrgNode.id).where(Unit.id == unit_id)
        )

    def node_path(self, code: str) -> str | None:
        return self.session.scalar(select(OrgNode.path).where(OrgNode.code == code))

    def role_holders(self, roles: Sequence[str], node_code: str) -> list[int]:
        stmt = (
            select(RoleAssignment.person_id)
            .join(OrgNode, RoleAssignment.node_id == OrgNode.id)
            .where(OrgNode.code == node_code, RoleAssignment.role.in_(roles))
        )
        return list(self.session.scalars(stmt))

    def unit_members(self, unit_id: int) -> list[int]:
        return list(self.session.scalars(select(UnitMembership.person_id).where(UnitMembership.unit_id == unit_id)))

    def grid_members(self, grid_code: str) -> list[int]:
        stmt = (
            select(GridAssignment.person_id)
            .join(OrgNode, GridAssignment.node_id == OrgNode.id)
            .where(OrgNode.code == grid_code)
        )
        return list(self.session.scalars(stmt))
