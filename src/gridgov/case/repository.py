"""All queries of the case domain."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, text
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from gridgov.case.geocell import cells_around
from gridgov.case.models import Case, CaseAttachment, CaseCategory, CaseEvent, Holiday
from gridgov.org.models import GridAssignment, OrgNode, RoleAssignment, Unit, UnitMembership
from gridgov.org.repository import under


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12_742_000 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Nearby:
    """An open case close to a new report: what the duplicate flag needs, not the whole row."""

    id: int
    number: str


# Hot statements of case intake, built once: building a statement costs more than running it.
_CLOSED = ["closed", "merged", "cancelled"]
_NEARBY_OPEN = select(Case.id, Case.number, Case.lon, Case.lat).where(
    Case.category_code == bindparam("category"),
    Case.cell.in_(bindparam("cells", expanding=True)),
    Case.created_at >= bindparam("since"),
    Case.state.not_in(_CLOSED),
)
_ROLE_HOLDERS = (
    select(RoleAssignment.person_id)
    .join(OrgNode, RoleAssignment.node_id == OrgNode.id)
    .where(OrgNode.code == bindparam("node"), RoleAssignment.role.in_(bindparam("roles", expanding=True)))
)
_UNIT_BY_CODE = select(Unit).where(Unit.code == bindparam("code"))
# one round trip for both versions: the taxonomy's and the holiday table's
_CONFIG_VERSION = select(
    select(func.count()).select_from(CaseCategory).scalar_subquery(),
    select(func.max(CaseCategory.updated_at)).scalar_subquery(),
    select(func.count()).select_from(Holiday).scalar_subquery(),
    select(func.max(Holiday.id)).scalar_subquery(),
    select(func.sum(sql_case((Holiday.is_workday, Holiday.id), else_=0))).scalar_subquery(),
)
_MAX_CASE_ID = select(func.coalesce(func.max(Case.id), 0))
_NEXT_CASE_ID = text("SELECT nextval(pg_get_serial_sequence('case_record', 'id'))")


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def categories(self) -> list[CaseCategory]:
        return list(self.session.scalars(select(CaseCategory).order_by(CaseCategory.code)))

    def config_versions(self) -> tuple[tuple[int, str | None], tuple[int, int, int]]:
        """(taxonomy version, holiday-table version): each changes whenever its table does (a row
        added, changed or removed; a holiday switching between day off and working day)."""
        categories, latest, holidays, last_id, workdays = self.session.execute(_CONFIG_VERSION).one()
        return (int(categories), None if latest is None else str(latest)), (
            int(holidays),
            int(last_id or 0),
            int(workdays or 0),
        )

    def by_number(self, number: str) -> Case | None:
        return self.session.scalars(select(Case).where(Case.number == number)).one_or_none()

    def visible(self, scope: Sequence[str], unit_ids: Sequence[int], reporter: int | None = None) -> Select[Case]:
        """Cases in the area, sent to the units, or filed by the reporter (a resident follows their own)."""
        conditions = [under(scope, Case.path)]
        if unit_ids:
            conditions.append(Case.unit_id.in_(unit_ids))
        if reporter is not None:
            conditions.append(Case.reporter_person_id == reporter)
        return select(Case).where(or_(*conditions))

    def page(self, stmt: Select[Case], *, limit: int, offset: int, count_cap: int) -> tuple[list[Case], int, bool]:
        """A page newest first, and how many match: counted up to ``count_cap`` (True when more match), so that
        a county-wide list at a million cases does not read every row to say "1,000,000"."""
        matching = stmt.order_by(None).with_only_columns(Case.id).limit(count_cap + 1).subquery()
        total = self.session.scalar(select(func.count()).select_from(matching)) or 0
        items = list(self.session.scalars(stmt.order_by(Case.id.desc()).limit(limit).offset(offset)))
        return items, min(total, count_cap), total > count_cap

    def matching(self, words: str) -> ColumnElement[bool]:
        """The number starts with ``words``, or the description or address contains them. Six or more digits are
        a case number (or its date part): a range on the number's unique index, not a scan of every description."""
        if len(words) >= 6 and words.isascii() and words.isdigit():
            return and_(Case.number >= words, Case.number < words + ":")  # ":" sorts right after "9"
        return or_(
            Case.number.startswith(words, autoescape=True),
            Case.description.contains(words, autoescape=True),
            Case.address.contains(words, autoescape=True),
        )

    def reported_from(self, moment: datetime) -> ColumnElement[bool]:
        return Case.created_at >= moment

    def reported_before(self, moment: datetime) -> ColumnElement[bool]:
        return Case.created_at < moment

    def overdue_at(self, now: datetime) -> ColumnElement[bool]:
        return Case.state.not_in(_CLOSED) & (Case.deadline_at < now)

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

    def next_case_id(self, *, same_transaction: bool = False) -> int:
        """The id the next case will get, known before the insert so that its number can be too.
        PostgreSQL draws from the sequence; on SQLite the caller holds the write lock (every write
        transaction begins IMMEDIATE), so the maximum cannot move under it. ``same_transaction``: the
        session has run one transaction only (the batch writer's), so the last id it gave still holds and
        the maximum need not be read again."""
        if self.session.get_bind().dialect.name == "postgresql":
            return int(self.session.execute(_NEXT_CASE_ID).scalar_one())
        # cases added to this session but not yet flushed are not in max(id): count them too
        given = self.session.info.get("last_case_id")
        if same_transaction and given is not None:
            chosen = int(given) + 1
        else:
            chosen = max(int(self.session.scalar(_MAX_CASE_ID) or 0), int(given or 0)) + 1
        self.session.info["last_case_id"] = chosen
        return chosen

    def number_of(self, case_id: int) -> str | None:
        case = self.session.get(Case, case_id)
        return None if case is None else case.number

    def nearby_open(self, category: str, lon: float, lat: float, metres: float, since: datetime) -> Nearby | None:
        """The nearest open case of this category within ``metres`` reported since ``since``: read from
        the cells around the point (index on category, cell, created_at), so the cost does not grow with
        the county's case count."""
        params = {"category": category, "cells": cells_around(lon, lat, metres), "since": since}
        best: tuple[float, int, str] | None = None
        for case_id, number, case_lon, case_lat in self.session.execute(_NEARBY_OPEN, params):
            distance = _metres(lon, lat, case_lon, case_lat)
            if distance <= metres and (best is None or distance < best[0]):
                best = (distance, case_id, number)
        return None if best is None else Nearby(best[1], best[2])

    def events(self, case_id: int) -> list[CaseEvent]:
        return list(self.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))

    def media_urls(self, case_ids: Sequence[int]) -> dict[int, str]:
        """The ``media_url`` each case was reported with (kept on its report event), by case id."""
        if not case_ids:
            return {}
        rows = self.session.execute(
            select(CaseEvent.case_id, CaseEvent.data).where(
                CaseEvent.case_id.in_(case_ids), CaseEvent.action == "report"
            )
        )
        return {case_id: str(data["media_url"]) for case_id, data in rows if data and data.get("media_url")}

    def unit(self, unit_id: int | None) -> Unit | None:
        return None if unit_id is None else self.session.get(Unit, unit_id)

    def unit_by_code(self, code: str) -> Unit | None:
        return self.session.scalars(_UNIT_BY_CODE, {"code": code}).one_or_none()

    def unit_path(self, unit_id: int) -> str | None:
        return self.session.scalar(
            select(OrgNode.path).join(Unit, Unit.node_id == OrgNode.id).where(Unit.id == unit_id)
        )

    def node_path(self, code: str) -> str | None:
        return self.session.scalar(select(OrgNode.path).where(OrgNode.code == code))

    def role_holders(self, roles: Sequence[str], node_code: str) -> list[int]:
        return list(self.session.scalars(_ROLE_HOLDERS, {"node": node_code, "roles": list(roles)}))

    def unit_members(self, unit_id: int) -> list[int]:
        return list(self.session.scalars(select(UnitMembership.person_id).where(UnitMembership.unit_id == unit_id)))

    def grid_members(self, grid_code: str) -> list[int]:
        stmt = (
            select(GridAssignment.person_id)
            .join(OrgNode, GridAssignment.node_id == OrgNode.id)
            .where(OrgNode.code == grid_code)
        )
        return list(self.session.scalars(stmt))

    def holiday_rows(self, year: int | None = None) -> list[Holiday]:
        """Loaded holiday-table rows, by day; of one year when given."""
        stmt = select(Holiday).order_by(Holiday.day)
        if year is not None:
            stmt = stmt.where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
        return list(self.session.scalars(stmt))

    def case_counts_by_category(self, codes: Sequence[str]) -> dict[str, int]:
        """How many cases (any state) each of these categories has; categories without cases are absent."""
        if not codes:
            return {}
        stmt = (
            select(Case.category_code, func.count())
            .where(Case.category_code.in_(list(codes)))
            .group_by(Case.category_code)
        )
        return {code: int(count) for code, count in self.session.execute(stmt)}
