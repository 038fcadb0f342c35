"""case cell: a grid-cell key per case for the duplicate check

The duplicate check read every case of the category in a ±50 m latitude band across the county; with the
cell key (``gridgov.case.geocell``: 0.001° × 0.001°) and the index (category, cell, created_at) it reads only
the few cells around the point. Existing cases get their key here (the same arithmetic in SQL).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STEP, ROW = 1000, 360_000  # gridgov.case.geocell (kept here: a migration does not follow later code)


def upgrade() -> None:
    op.add_column("case_record", sa.Column("cell", sa.BigInteger(), nullable=True))
    # SQLite's CAST truncates (the same as Python's int() for these non-negative values); PostgreSQL's rounds
    whole = "floor({})" if op.get_bind().dialect.name == "postgresql" else "{}"
    row = whole.format(f"(lat + 90) * {STEP}")
    column = whole.format(f"(lon + 180) * {STEP}")
    op.execute(
        f"UPDATE case_record SET cell = CAST({row} AS BIGINT) * {ROW} + CAST({column} AS BIGINT) "
        "WHERE lon IS NOT NULL AND lat IS NOT NULL"
    )
    op.drop_index("ix_case_record_category_lat", table_name="case_record")
    op.create_index("ix_case_record_nearby", "case_record", ["category_code", "cell", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_case_record_nearby", table_name="case_record")
    op.create_index("ix_case_record_category_lat", "case_record", ["category_code", "lat"])
    with op.batch_alter_table("case_record") as batch_op:
        batch_op.drop_column("cell")
