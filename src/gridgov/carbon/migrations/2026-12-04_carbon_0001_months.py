"""carbon: monthly energy and economics per enterprise, other fuels

Revision ID: carbon_0001
Revises: (base of the carbon module's branch; depends on core 0009: the shared enterprise registry)
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "carbon_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("carbon",)
depends_on: str | Sequence[str] | None = "0009"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _enterprise() -> sa.Column[int]:
    return sa.Column("enterprise_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "carbon_month",
        sa.Column("id", sa.Integer(), nullable=False),
        _enterprise(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("electricity_kwh", sa.Float(), nullable=False),
        sa.Column("gas_m3", sa.Float(), nullable=False),
        sa.Column("steam_gj", sa.Float(), nullable=False),
        sa.Column("steam_t", sa.Float(), nullable=True),
        sa.Column("pv_kwh", sa.Float(), nullable=True),
        sa.Column("output_value", sa.Float(), nullable=False),
        sa.Column("tax", sa.Float(), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_carbon_month_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carbon_month")),
        sa.UniqueConstraint("enterprise_id", "month", name=op.f("uq_carbon_month_enterprise_id")),
    )
    op.create_index(op.f("ix_carbon_month_enterprise_id"), "carbon_month", ["enterprise_id"])
    op.create_index(op.f("ix_carbon_month_month"), "carbon_month", ["month"])
    op.create_table(
        "carbon_fuel",
        sa.Column("id", sa.Integer(), nullable=False),
        _enterprise(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("fuel", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_carbon_fuel_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carbon_fuel")),
        sa.UniqueConstraint("enterprise_id", "month", "fuel", name=op.f("uq_carbon_fuel_enterprise_id")),
    )
    op.create_index(op.f("ix_carbon_fuel_enterprise_id"), "carbon_fuel", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_carbon_fuel_enterprise_id"), table_name="carbon_fuel")
    op.drop_table("carbon_fuel")
    op.drop_index(op.f("ix_carbon_month_month"), table_name="carbon_month")
    op.drop_index(op.f("ix_carbon_month_enterprise_id"), table_name="carbon_month")
    op.drop_table("carbon_month")
