"""Tables of the organisation: nodes of the administrative tree, units, people and their roles."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridgov.db import Base, TimestampMixin


class OrgNode(TimestampMixin, Base):
    """One node of the tree. ``path`` is the chain of codes from the county, e.g.
    ``330111/330111001/330111001001/``, so a subtree is ``path LIKE 'prefix%'``."""

    __tablename__ = "org_node"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    boundary: Mapped[str | None] = mapped_column(Text, deferred=True)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped[OrgNode | None] = relationship(remote_side=[id], lazy="raise")


class Unit(TimestampMixin, Base):
    """A department, office, platform or utility attached to a node (县自然资源局, 镇综合信息指挥室, 供电所)."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id", ondelete="RESTRICT"), index=True)

    node: Mapped[OrgNode] = relationship(lazy="raise")


class Person(TimestampMixin, Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin", order_by="RoleAssignment.id"
    )
    memberships: Mapped[list[UnitMembership]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin", order_by="UnitMembership.id"
    )
    grids: Mapped[list[GridAssignment]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin", order_by="GridAssignment.id"
    )


class RoleAssignment(Base):
    """A role held at a node; the node's subtree is the data scope the role grants."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "node_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id", ondelete="RESTRICT"), index=True)
    level: Mapped[int | None] = mapped_column(Integer)

    person: Mapped[Person] = relationship(back_populates="roles", lazy="raise")
    node: Mapped[OrgNode] = relationship(lazy="joined")


class UnitMembership(Base):
    __tablename__ = "unit_membership"
    __table_args__ = (UniqueConstraint("person_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str | None] = mapped_column(String(60))

    person: Mapped[Person] = relationship(back_populates="memberships", lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="joined")


class GridAssignment(Base):
    """A grid (or micro-grid) a person serves (网格员的责任网格)."""

    __tablename__ = "grid_assignment"
    __table_args__ = (UniqueConstraint("person_id", "node_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id", ondelete="RESTRICT"), index=True)

    person: Mapped[Person] = relationship(back_populates="grids", lazy="raise")
    node: Mapped[OrgNode] = relationship(lazy="joined")
