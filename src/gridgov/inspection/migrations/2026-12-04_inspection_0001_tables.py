"""inspection: inspection checks and findings over the core's places; duty posts, members, rosters, swaps

Revision ID: inspection_0001
Revises: (base of the inspection module's branch; depends on core 0009: the shared place registry)
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "inspection_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("inspection",)
depends_on: str | Sequence[str] | None = "0009"


def upgrade() -> None:
    op.create_table(
        "inspection_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("inspector", sa.String(length=60), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_inspection_check_person_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_inspection_check_place_id_place"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_check")),
        sa.UniqueConstraint("client_id", name=op.f("uq_inspection_check_client_id")),
    )
    op.create_index(op.f("ix_inspection_check_checked_at"), "inspection_check", ["checked_at"], unique=False)
    op.create_index(op.f("ix_inspection_check_path"), "inspection_check", ["path"], unique=False)
    op.create_index(op.f("ix_inspection_check_person_id"), "inspection_check", ["person_id"], unique=False)
    op.create_index(op.f("ix_inspection_check_place_id"), "inspection_check", ["place_id"], unique=False)
    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("grade", sa.String(length=12), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_number", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recheck_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_inspection_finding_case_id_case_record"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["inspection_check.id"],
            name=op.f("fk_inspection_finding_check_id_inspection_check"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_inspection_finding_place_id_place"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recheck_id"],
            ["inspection_check.id"],
            name=op.f("fk_inspection_finding_recheck_id_inspection_check"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_finding")),
    )
    op.create_index(op.f("ix_inspection_finding_case_id"), "inspection_finding", ["case_id"], unique=False)
    op.create_index(op.f("ix_inspection_finding_check_id"), "inspection_finding", ["check_id"], unique=False)
    op.create_index(op.f("ix_inspection_finding_found_at"), "inspection_finding", ["found_at"], unique=False)
    op.create_index(op.f("ix_inspection_finding_path"), "inspection_finding", ["path"], unique=False)
    op.create_index(op.f("ix_inspection_finding_place_id"), "inspection_finding", ["place_id"], unique=False)
    op.create_index(op.f("ix_inspection_finding_state"), "inspection_finding", ["state"], unique=False)
    op.create_table(
        "duty_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("serves", sa.JSON(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("shifts", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_duty_post_place_id_place"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_post")),
        sa.UniqueConstraint("code", name=op.f("uq_duty_post_code")),
    )
    op.create_index(op.f("ix_duty_post_kind"), "duty_post", ["kind"], unique=False)
    op.create_index(op.f("ix_duty_post_path"), "duty_post", ["path"], unique=False)
    op.create_table(
        "duty_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("unavailable", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_duty_member_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["duty_post.id"], name=op.f("fk_duty_member_post_id_duty_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_member")),
        sa.UniqueConstraint("post_id", "person_id", "role", name=op.f("uq_duty_member_post_id")),
    )
    op.create_index(op.f("ix_duty_member_person_id"), "duty_member", ["person_id"], unique=False)
    op.create_index(op.f("ix_duty_member_post_id"), "duty_member", ["post_id"], unique=False)
    op.create_table(
        "duty_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_roster")),
    )
    op.create_index(op.f("ix_duty_roster_month"), "duty_roster", ["month"], unique=False)
    op.create_index(op.f("ix_duty_roster_path"), "duty_roster", ["path"], unique=False)
    op.create_table(
        "duty_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_code", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("night", sa.Boolean(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_in_metres", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_duty_assignment_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["duty_post.id"], name=op.f("fk_duty_assignment_post_id_duty_post"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["roster_id"], ["duty_roster.id"], name=op.f("fk_duty_assignment_roster_id_duty_roster"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_assignment")),
    )
    op.create_index(op.f("ix_duty_assignment_day"), "duty_assignment", ["day"], unique=False)
    op.create_index(op.f("ix_duty_assignment_person_id"), "duty_assignment", ["person_id"], unique=False)
    op.create_index(op.f("ix_duty_assignment_post_id"), "duty_assignment", ["post_id"], unique=False)
    op.create_index(op.f("ix_duty_assignment_roster_id"), "duty_assignment", ["roster_id"], unique=False)
    op.create_index(op.f("ix_duty_assignment_starts_at"), "duty_assignment", ["starts_at"], unique=False)
    op.create_table(
        "duty_swap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("from_person_id", sa.Integer(), nullable=False),
        sa.Column("to_person_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["duty_assignment.id"],
            name=op.f("fk_duty_swap_assignment_id_duty_assignment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_person_id"], ["person.id"], name=op.f("fk_duty_swap_from_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_person_id"], ["person.id"], name=op.f("fk_duty_swap_to_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_swap")),
    )
    op.create_index(op.f("ix_duty_swap_assignment_id"), "duty_swap", ["assignment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_duty_swap_assignment_id"), table_name="duty_swap")
    op.drop_table("duty_swap")
    op.drop_index(op.f("ix_duty_assignment_starts_at"), table_name="duty_assignment")
    op.drop_index(op.f("ix_duty_assignment_roster_id"), table_name="duty_assignment")
    op.drop_index(op.f("ix_duty_assignment_post_id"), table_name="duty_assignment")
    op.drop_index(op.f("ix_duty_assignment_person_id"), table_name="duty_assignment")
    op.drop_index(op.f("ix_duty_assignment_day"), table_name="duty_assignment")
    op.drop_table("duty_assignment")
    op.drop_index(op.f("ix_duty_roster_path"), table_name="duty_roster")
    op.drop_index(op.f("ix_duty_roster_month"), table_name="duty_roster")
    op.drop_table("duty_roster")
    op.drop_index(op.f("ix_duty_member_post_id"), table_name="duty_member")
    op.drop_index(op.f("ix_duty_member_person_id"), table_name="duty_member")
    op.drop_table("duty_member")
    op.drop_index(op.f("ix_duty_post_path"), table_name="duty_post")
    op.drop_index(op.f("ix_duty_post_kind"), table_name="duty_post")
    op.drop_table("duty_post")
    op.drop_index(op.f("ix_inspection_finding_state"), table_name="inspection_finding")
    op.drop_index(op.f("ix_inspection_finding_place_id"), table_name="inspection_finding")
    op.drop_index(op.f("ix_inspection_finding_path"), table_name="inspection_finding")
    op.drop_index(op.f("ix_inspection_finding_found_at"), table_name="inspection_finding")
    op.drop_index(op.f("ix_inspection_finding_check_id"), table_name="inspection_finding")
    op.drop_index(op.f("ix_inspection_finding_case_id"), table_name="inspection_finding")
    op.drop_table("inspection_finding")
    op.drop_index(op.f("ix_inspection_check_place_id"), table_name="inspection_check")
    op.drop_index(op.f("ix_inspection_check_person_id"), table_name="inspection_check")
    op.drop_index(op.f("ix_inspection_check_path"), table_name="inspection_check")
    op.drop_index(op.f("ix_inspection_check_checked_at"), table_name="inspection_check")
    op.drop_table("inspection_check")
