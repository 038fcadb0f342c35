"""water: intake users, intake points, intake permits

Revision ID: water_0001
Revises: (base of the water module's branch; depends on core 0004: org nodes, sensing stations)
Create Date: 2026-12-04 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "water_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("water",)
depends_on: str | Sequence[str] | None = "0004"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "water_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("township_code", sa.String(length=32), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("annual_volume_m3", sa.Float(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_user")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_water_user_credit_code")),
    )
    op.create_index(op.f("ix_water_user_path"), "water_user", ["path"])
    op.create_table(
        "water_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("station_code", sa.String(length=40), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["water_user.id"], name=op.f("fk_water_point_user_id_water_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_point")),
    )
    op.create_index(op.f("ix_water_point_user_id"), "water_point", ["user_id"])
    op.create_index(op.f("ix_water_point_station_code"), "water_point", ["station_code"])
    op.create_table(
        "water_permit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("annual_volume_m3", sa.Float(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["water_user.id"], name=op.f("fk_water_permit_user_id_water_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["point_id"], ["water_point.id"], name=op.f("fk_water_permit_point_id_water_point"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_permit")),
        sa.UniqueConstraint("number", name=op.f("uq_water_permit_number")),
    )
    op.create_index(op.f("ix_water_permit_user_id"), "water_permit", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_water_permit_user_id"), table_name="water_permit")
    op.drop_table("water_permit")
    op.drop_index(op.f("ix_water_point_station_code"), table_name="water_point")
    op.drop_index(op.f("ix_water_point_user_id"), table_name="water_point")
    op.drop_table("water_point")
    op.drop_index(op.f("ix_water_user_path"), table_name="water_user")
    op.drop_table("water_user")
