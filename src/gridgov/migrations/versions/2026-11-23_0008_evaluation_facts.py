"""evaluation facts: one row per case and month with events, and the event-id mark they have read to

The indicator statement no longer reads the case events of a period, so the two indexes it needed for that
(events by time; cases by closing and creation time) go. The cockpit's open cases are counted from a covering
index (state, township, category, deadline, … path) instead of the case rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SMALL, INT, TIME = sa.SmallInteger, sa.Integer, sa.DateTime
RAW = (
    ("received_m", SMALL), ("file_m", INT), ("dispatch_m", INT), ("give_back_m", INT), ("enter_close_m", SMALL),
    ("enter_handle_m", SMALL), ("close_m", INT), ("handled_m", INT), ("handled_at_m", TIME), ("failed_m", SMALL),
    ("extended_m", SMALL), ("first_dispatch_at", TIME), ("first_late", INT), ("last_late", INT),
    ("first_filing_late", INT), ("last_enter_handle", INT), ("fails", INT),
)  # fmt: skip
FLAGS = (
    "received", "filed", "filed_on_time", "dispatched", "accurate_dispatched", "returned", "due_handle", "handled",
    "handled_on_time", "extended", "overdue_waiting", "due_close", "closed", "closed_on_time", "reworked",
    "reworked3", "deferred", "hung",
)  # fmt: skip
OPEN_INDEX = (
    "state", "township_code", "category_code", "deadline_at", "overdue_handled_for", "village_code", "grid_code",
    "path",
)  # fmt: skip
CARRY = ("carry_due_handle", "carry_overdue_waiting", "carry_due_close", "carry_deferred", "carry_hung")


def upgrade() -> None:
    op.create_table(
        "evaluation_case_fact",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("carry_until", sa.Integer(), nullable=False),
        sa.Column("state_start", sa.String(length=16), nullable=True),
        sa.Column("state_end", sa.String(length=16), nullable=False),
        *(sa.Column(name, TIME(timezone=True) if kind is TIME else kind(), nullable=True) for name, kind in RAW),
        *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in FLAGS),
        sa.Column("hours", sa.Float(), nullable=True),
        *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in CARRY),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_evaluation_case_fact_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "month", name=op.f("pk_evaluation_case_fact")),
    )
    op.create_index("ix_evaluation_case_fact_month", "evaluation_case_fact", ["month"])
    op.create_index("ix_evaluation_case_fact_carry", "evaluation_case_fact", ["carry_until", "month"])
    op.create_table(
        "evaluation_fact_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_fact_mark")),
    )
    op.drop_index("ix_case_record_closed_created", table_name="case_record")
    op.drop_index("ix_case_event_at_case", table_name="case_event")
    op.create_index("ix_case_record_open", "case_record", OPEN_INDEX)


def downgrade() -> None:
    op.drop_index("ix_case_record_open", table_name="case_record")
    op.create_index("ix_case_event_at_case", "case_event", ["at", "case_id"])
    op.create_index("ix_case_record_closed_created", "case_record", ["closed_at", "created_at"])
    op.drop_table("evaluation_fact_mark")
    op.drop_index("ix_evaluation_case_fact_carry", table_name="evaluation_case_fact")
    op.drop_index("ix_evaluation_case_fact_month", table_name="evaluation_case_fact")
    op.drop_table("evaluation_case_fact")
