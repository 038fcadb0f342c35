"""evaluation: flags awarded per month, monthly runs, stored reports; indexes on case events and cases

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-23 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("unit_key", sa.String(length=40), nullable=False),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("parent", sa.String(length=40), nullable=True),
        sa.Column("peer", sa.String(length=40), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("scheme", sa.String(length=30), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_flag")),
        sa.UniqueConstraint("period", "level", "unit_key", name="uq_evaluation_flag_period"),
    )
    op.create_index(op.f("ix_evaluation_flag_period"), "evaluation_flag", ["period"])
    op.create_index(op.f("ix_evaluation_flag_unit_key"), "evaluation_flag", ["unit_key"])
    op.create_table(
        "evaluation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_run")),
        sa.UniqueConstraint("period", "kind", name="uq_evaluation_run_period"),
    )
    op.create_table(
        "evaluation_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("fmt", sa.String(length=8), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_report")),
        sa.UniqueConstraint("period", "fmt", name="uq_evaluation_report_period"),
    )
    # the indicator statement: events of a period by time, events of an action by time, cases open at a moment
    op.create_index("ix_case_event_at_case", "case_event", ["at", "case_id"])
    op.create_index("ix_case_event_action_at", "case_event", ["action", "at"])
    op.create_index("ix_case_record_closed_created", "case_record", ["closed_at", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_case_record_closed_created", table_name="case_record")
    op.drop_index("ix_case_event_action_at", table_name="case_event")
    op.drop_index("ix_case_event_at_case", table_name="case_event")
    op.drop_table("evaluation_report")
    op.drop_table("evaluation_run")
    op.drop_index(op.f("ix_evaluation_flag_unit_key"), table_name="evaluation_flag")
    op.drop_index(op.f("ix_evaluation_flag_period"), table_name="evaluation_flag")
    op.drop_table("evaluation_flag")
