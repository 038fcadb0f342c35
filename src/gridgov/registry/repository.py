"""All queries of the registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression, func, select
from sqlalchemy.orm import Session

from gridgov.org.models import OrgNode
from gridgov.org.repository import under
from gridgov.registry.models import Enterprise, Place

T = TypeVar("T", Enterprise, Place)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class RegistryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enterprise(self, enterprise_id: int) -> Enterprise | None:
        return self.session.get(Enterprise, enterprise_id)

    def enterprise_by_code(self, code: str) -> Enterprise | None:
        return self.session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).one_or_none()

    def enterprises_by_codes(self, codes: Sequence[str]) -> dict[str, Enterprise]:
        if not codes:
            return {}
        rows = self.session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(set(codes))))
        return {e.credit_code: e for e in rows}

    def enterprise_statement(
        self,
        scope: Sequence[str] | None,
        *,
        township: str | None = None,
        park: str | None = None,
        industry: str | None = None,
        q: str | None = None,
        active: bool | None = True,
    ) -> Select[Enterprise]:
        stmt = select(Enterprise)
        if scope is not None:
            stmt = stmt.where(under(scope, Enterprise.path))
        if township:
            stmt = stmt.where(Enterprise.township_code == township)
        if park:
            stmt = stmt.where(Enterprise.park == park)
        if industry:
            stmt = stmt.where(Enterprise.industry_code.startswith(industry.upper(), autoescape=True))
        if q:
            stmt = stmt.where(Enterprise.name.like(_like(q), escape="\\") | (Enterprise.credit_code == q.upper()))
        if active is not None:
            stmt = stmt.where(Enterprise.active.is_(active))
        return stmt

    def place(self, place_id: int) -> Place | None:
        return self.session.get(Place, place_id)

    def places_by_codes(self, codes: Sequence[str]) -> dict[str, Place]:
        if not codes:
            return {}
        return {p.code: p for p in self.session.scalars(select(Place).where(Place.code.in_(set(codes))))}

    def place_statement(
        self,
        scope: Sequence[str] | None,
        *,
        township: str | None = None,
        type_code: str | None = None,
        enterprise_id: int | None = None,
        q: str | None = None,
        active: bool | None = True,
    ) -> Select[Place]:
        stmt = select(Place)
        if scope is not None:
            stmt = stmt.where(under(scope, Place.path))
        if township:
            stmt = stmt.where(Place.township_code == township)
        if type_code:
            stmt = stmt.where(Place.type_code == type_code)
        if enterprise_id is not None:
            stmt = stmt.where(Place.enterprise_id == enterprise_id)
        if q:
            stmt = stmt.where(Place.name.like(_like(q), escape="\\") | (Place.code == q))
        if active is not None:
            stmt = stmt.where(Place.active.is_(active))
        return stmt

    def page(self, stmt: Select[T], order: SQLColumnExpression[Any], *, limit: int, offset: int) -> tuple[list[T], int]:
        total = self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        return list(self.session.scalars(stmt.order_by(order).limit(limit).offset(offset))), total

    def parks(self, scope: Sequence[str] | None) -> list[str]:
        stmt = select(Enterprise.park).where(Enterprise.park.is_not(None)).distinct().order_by(Enterprise.park)
        if scope is not None:
            stmt = stmt.where(under(scope, Enterprise.path))
        return [p for p in self.session.scalars(stmt) if p]

    def node(self, code: str) -> OrgNode | None:
        return self.session.scalars(select(OrgNode).where(OrgNode.code == code)).one_or_none()

    def node_names(self, codes: Sequence[str]) -> dict[str, str]:
        if not codes:
            return {}
        rows = self.session.execute(select(OrgNode.code, OrgNode.name).where(OrgNode.code.in_(set(codes))))
        return {row.code: row.name for row in rows}

    def townships(self, scope: Sequence[str] | None) -> list[OrgNode]:
        stmt = select(OrgNode).where(OrgNode.kind == "township").order_by(OrgNode.code)
        if scope is not None:
            stmt = stmt.where(under(scope))
        return list(self.session.scalars(stmt))
