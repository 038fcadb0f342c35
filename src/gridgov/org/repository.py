"""All queries of the organisation domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from gridgov.org.models import GridAssignment, OrgNode, Person, RoleAssignment, Unit, UnitMembership


def under(paths: Sequence[str], column: SQLColumnExpression[str | None] | None = None) -> ColumnElement[bool]:
    """SQL condition: ``column`` (a materialised path) lies in one of the subtrees ``paths``."""
    target = OrgNode.path if column is None else column
    if not paths:
        return false()
    return or_(*(target.startswith(p, autoescape=True) for p in paths))


class OrgRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # nodes -------------------------------------------------------------------------------------
    def node_by_code(self, code: str) -> OrgNode | None:
        return self.session.scalars(select(OrgNode).where(OrgNode.code == code)).one_or_none()

    def nodes_by_codes(self, codes: Sequence[str]) -> dict[str, OrgNode]:
        if not codes:
            return {}
        rows = self.session.scalars(select(OrgNode).where(OrgNode.code.in_(set(codes))))
        return {n.code: n for n in rows}

    def root(self) -> OrgNode | None:
        return self.session.scalars(select(OrgNode).where(OrgNode.parent_id.is_(None)).order_by(OrgNode.id)).first()

    def node_statement(
        self,
        scope: Sequence[str] | None,
        *,
        parent_id: int | None = None,
        kind: str | None = None,
        q: str | None = None,
    ) -> Select[OrgNode]:
        stmt = select(OrgNode)
        if scope is not None:
            stmt = stmt.where(under(scope))
        if parent_id is not None:
            stmt = stmt.where(OrgNode.parent_id == parent_id)
        if kind:
            stmt = stmt.where(OrgNode.kind == kind)
        if q:
            stmt = stmt.where(
                or_(OrgNode.name.contains(q, autoescape=True), OrgNode.code.startswith(q, autoescape=True))
            )
        return stmt

    def page(self, stmt: Select[OrgNode], *, limit: int, offset: int) -> tuple[list[OrgNode], int]:
        total = self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        items = list(self.session.scalars(stmt.order_by(OrgNode.code).limit(limit).offset(offset)))
        return items, total

    def children(self, node_id: int) -> list[OrgNode]:
        return list(self.session.scalars(select(OrgNode).where(OrgNode.parent_id == node_id).order_by(OrgNode.code)))

    def children_counts(self, node_ids: Sequence[int]) -> dict[int, int]:
        if not node_ids:
            return {}
        rows = self.session.execute(
            select(OrgNode.parent_id, func.count()).where(OrgNode.parent_id.in_(node_ids)).group_by(OrgNode.parent_id)
        )
        return {parent: count for parent, count in rows if parent is not None}

    def codes_by_id(self, node_ids: Sequence[int]) -> dict[int, str]:
        if not node_ids:
            return {}
        rows = self.session.execute(select(OrgNode.id, OrgNode.code).where(OrgNode.id.in_(set(node_ids))))
        return dict(rows.all())

    def paths_by_id(self, node_ids: Sequence[int]) -> dict[int, str]:
        if not node_ids:
            return {}
        rows = self.session.execute(select(OrgNode.id, OrgNode.path).where(OrgNode.id.in_(set(node_ids))))
        return dict(rows.all())

    def names_by_code(self, codes: Sequence[str]) -> dict[str, str]:
        if not codes:
            return {}
        rows = self.session.execute(select(OrgNode.code, OrgNode.name).where(OrgNode.code.in_(set(codes))))
        return dict(rows.all())

    def all_nodes(self) -> list[OrgNode]:
        return list(self.session.scalars(select(OrgNode).order_by(OrgNode.path)))

    def boundaries(self, scope: Sequence[str] | None, kinds: Sequence[str]) -> list[tuple[str, str, str, str, str]]:
        """(code, name, kind, path, geojson) of nodes with a boundary."""
        stmt = select(OrgNode.code, OrgNode.name, OrgNode.kind, OrgNode.path, OrgNode.boundary).where(
            OrgNode.boundary.is_not(None), OrgNode.kind.in_(kinds)
        )
        if scope is not None:
            stmt = stmt.where(under(scope))
        rows = self.session.execute(stmt.order_by(OrgNode.path))
        return [(c, n, k, p, b) for c, n, k, p, b in rows if b is not None]

    def geo_version(self) -> tuple[int, str | None]:
        """Changes whenever a boundary is added, changed or removed: the spatial index's cache key."""
        count, latest = self.session.execute(
            select(func.count(), func.max(OrgNode.updated_at)).where(OrgNode.boundary.is_not(None))
        ).one()
        return int(count), None if latest is None else str(latest)

    # units -------------------------------------------------------------------------------------
    def unit_by_code(self, code: str) -> Unit | None:
        return self.session.scalars(select(Unit).where(Unit.code == code)).one_or_none()

    def units_by_codes(self, codes: Sequence[str]) -> dict[str, Unit]:
        if not codes:
            return {}
        return {u.code: u for u in self.session.scalars(select(Unit).where(Unit.code.in_(set(codes))))}

    def units(self, scope: Sequence[str] | None, node_id: int | None = None) -> list[tuple[Unit, str]]:
        stmt = select(Unit, OrgNode.code).join(OrgNode, Unit.node_id == OrgNode.id)
        if scope is not None:
            stmt = stmt.where(under(scope))
        if node_id is not None:
            stmt = stmt.where(Unit.node_id == node_id)
        return [(u, c) for u, c in self.session.execute(stmt.order_by(Unit.code))]

    # people ------------------------------------------------------------------------------------
    def person(self, person_id: int) -> Person | None:
        return self.session.get(Person, person_id)

    def person_by_phone(self, phone: str) -> Person | None:
        return self.session.scalars(select(Person).where(Person.phone == phone)).one_or_none()

    def people_by_phones(self, phones: Sequence[str]) -> dict[str, Person]:
        if not phones:
            return {}
        return {p.phone: p for p in self.session.scalars(select(Person).where(Person.phone.in_(set(phones))))}

    def person_in_scope(self, scope: Sequence[str], unit_ids: Sequence[int] = ()) -> ColumnElement[bool]:
        """A person is in scope when a role, a served grid or a unit of theirs lies in it."""
        role_node = aliased(OrgNode)
        grid_node = aliased(OrgNode)
        unit_node = aliased(OrgNode)
        conditions: list[ColumnElement[bool]] = [
            exists(
                select(RoleAssignment.id)
                .join(role_node, RoleAssignment.node_id == role_node.id)
                .where(RoleAssignment.person_id == Person.id, under(scope, role_node.path))
            ),
            exists(
                select(GridAssignment.id)
                .join(grid_node, GridAssignment.node_id == grid_node.id)
                .where(GridAssignment.person_id == Person.id, under(scope, grid_node.path))
            ),
            exists(
                select(UnitMembership.id)
                .join(Unit, UnitMembership.unit_id == Unit.id)
                .join(unit_node, Unit.node_id == unit_node.id)
                .where(UnitMembership.person_id == Person.id, under(scope, unit_node.path))
            ),
        ]
        if unit_ids:
            conditions.append(
                exists(
                    select(UnitMembership.id).where(
                        UnitMembership.person_id == Person.id, UnitMembership.unit_id.in_(unit_ids)
                    )
                )
            )
        return or_(*conditions)

    def people(
        self,
        scope: Sequence[str] | None,
        *,
        unit_ids: Sequence[int] = (),
        node_path: str | None = None,
        role: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Person], int]:
        stmt = select(Person)
        if scope is not None:
            stmt = stmt.where(self.person_in_scope(scope, unit_ids))
        if node_path is not None:
            stmt = stmt.where(self.person_in_scope([node_path]))
        if role:
            stmt = stmt.where(
                exists(
                    select(RoleAssignment.id).where(RoleAssignment.person_id == Person.id, RoleAssignment.role == role)
                )
            )
        if q:
            stmt = stmt.where(
                or_(Person.name.contains(q, autoescape=True), Person.phone.startswith(q, autoescape=True))
            )
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = list(self.session.scalars(stmt.order_by(Person.id).limit(limit).offset(offset)))
        return items, total

    def person_visible(self, person_id: int, scope: Sequence[str], unit_ids: Sequence[int]) -> bool:
        stmt = select(Person.id).where(Person.id == person_id, self.person_in_scope(scope, unit_ids))
        return self.session.scalar(stmt) is not None
