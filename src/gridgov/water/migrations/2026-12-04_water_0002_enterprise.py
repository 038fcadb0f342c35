"""water: each intake user points at its enterprise in the core registry (matched on 统一社会信用代码)

Revision ID: water_0002
Revises: water_0001 (depends on core 0009: the registry's enterprise table)
Create Date: 2026-12-04 20:05:00

Users already present are registered as enterprises (or matched to one with their code) on the way up.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "water_0002"
down_revision: str | None = "water_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0009"


def upgrade() -> None:
    with op.batch_alter_table("water_user") as batch:
        batch.add_column(sa.Column("enterprise_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_water_user_enterprise_id"), ["enterprise_id"])
        batch.create_foreign_key(
            batch.f("fk_water_user_enterprise_id_enterprise"),
            "enterprise",
            ["enterprise_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        """
        INSERT INTO enterprise (credit_code, name, industry_code, township_code, path, contact_name, contact_phone,
                                attributes, active, synthetic, created_at, updated_at)
        SELECT u.credit_code, u.name, u.industry_code, u.township_code, u.path, u.contact_name, u.contact_phone,
               '{}', true, u.synthetic, u.created_at, u.updated_at
        FROM water_user u WHERE NOT EXISTS (SELECT 1 FROM enterprise e WHERE e.credit_code = u.credit_code)
        """
    )
    op.execute(
        "UPDATE water_user SET enterprise_id = "
        "(SELECT e.id FROM enterprise e WHERE e.credit_code = water_user.credit_code)"
    )


def downgrade() -> None:
    with op.batch_alter_table("water_user") as batch:
        batch.drop_constraint(batch.f("fk_water_user_enterprise_id_enterprise"), type_="foreignkey")
        batch.drop_index(batch.f("ix_water_user_enterprise_id"))
        batch.drop_column("enterprise_id")
