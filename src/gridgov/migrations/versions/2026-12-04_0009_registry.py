"""registry: the enterprises and places that several modules share

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common() -> list[sa.Column[object]]:
    return [
        sa.Column("township_code", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=False),
        sa.Column("park", sa.String(length=100), nullable=True),
        sa.Column("land_area_m2", sa.Float(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("capacity_kva", sa.Float(), nullable=True),
        sa.Column("roof_area_m2", sa.Float(), nullable=True),
        sa.Column("contact_name", sa.String(length=60), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
    )
    op.create_index(op.f("ix_enterprise_path"), "enterprise", ["path"])
    op.create_index(op.f("ix_enterprise_township_code"), "enterprise", ["township_code"])
    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("grid_code", sa.String(length=40), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(length=60), nullable=True),
        *_common(),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_place_enterprise_id_enterprise"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint("code", name=op.f("uq_place_code")),
    )
    for column in ("type_code", "grid_code", "path", "enterprise_id", "township_code"):
        op.create_index(op.f(f"ix_place_{column}"), "place", [column])


def downgrade() -> None:
    op.drop_table("place")
    op.drop_table("enterprise")
