"""water: monthly plans (月用水计划), monthly bills with the over-plan surcharge, progress reminder letters

Revision ID: water_0003
Revises: water_0002
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "water_0003"
down_revision: str | None = "water_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("water_plan", "water_bill", "water_letter")


def _month(table: str) -> list[sa.Column[object] | sa.Constraint]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["water_user.id"], name=op.f(f"fk_{table}_user_id_water_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("user_id", "year", "month", name=op.f(f"uq_{table}_user_id")),
    ]


def upgrade() -> None:
    op.create_table(
        "water_plan",
        *_month("water_plan"),
        sa.Column("planned_m3", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "water_bill",
        *_month("water_bill"),
        sa.Column("used_m3", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("planned_m3", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("price", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("surcharge", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "water_letter",
        *_month("water_letter"),
        sa.Column("planned_to_date_m3", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("used_to_date_m3", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("ratio", sa.Float(), nullable=True),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
    )
    for table in TABLES:
        op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(op.f(f"ix_{table}_user_id"), table_name=table)
        op.drop_table(table)
