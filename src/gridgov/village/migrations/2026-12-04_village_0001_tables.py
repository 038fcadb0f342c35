"""village: collective economy (collectives, joint projects, shareholdings, years, income), the village-team
assessment (indicators, scores, cadres) and resident services (activities, bookings, points, repairs, shifts)

Revision ID: village_0001
Revises: (base of the village module's branch; depends on core 0009: the place registry)
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "village_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("village",)
depends_on: str | Sequence[str] | None = "0009"


def upgrade() -> None:
    op.create_table(
        "village_collective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=True),
        sa.Column("township_code", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_collective")),
        sa.UniqueConstraint("code", name=op.f("uq_village_collective_code")),
    )
    op.create_index(op.f("ix_village_collective_path"), "village_collective", ["path"], unique=False)
    op.create_index(op.f("ix_village_collective_village_code"), "village_collective", ["village_code"], unique=False)
    op.create_table(
        "village_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("cadence", sa.String(length=12), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("township_code", sa.String(length=32), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_indicator")),
        sa.UniqueConstraint("year", "code", name=op.f("uq_village_indicator_year")),
    )
    op.create_index(op.f("ix_village_indicator_path"), "village_indicator", ["path"], unique=False)
    op.create_index(op.f("ix_village_indicator_year"), "village_indicator", ["year"], unique=False)
    op.create_table(
        "village_cadre",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("post", sa.String(length=20), nullable=False),
        sa.Column("duty", sa.Float(), nullable=True),
        sa.Column("appraisal", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_village_cadre_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_cadre")),
        sa.UniqueConstraint("year", "person_id", name=op.f("uq_village_cadre_year")),
    )
    op.create_index(op.f("ix_village_cadre_path"), "village_cadre", ["path"], unique=False)
    op.create_index(op.f("ix_village_cadre_person_id"), "village_cadre", ["person_id"], unique=False)
    op.create_index(op.f("ix_village_cadre_village_code"), "village_cadre", ["village_code"], unique=False)
    op.create_index(op.f("ix_village_cadre_year"), "village_cadre", ["year"], unique=False)
    op.create_table(
        "village_collective_income",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collective_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["village_collective.id"],
            name=op.f("fk_village_collective_income_collective_id_village_collective"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_collective_income")),
        sa.UniqueConstraint("collective_id", "year", "source", name=op.f("uq_village_collective_income_collective_id")),
    )
    op.create_index(
        op.f("ix_village_collective_income_collective_id"), "village_collective_income", ["collective_id"], unique=False
    )
    op.create_table(
        "village_points_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_village_points_account_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_points_account")),
        sa.UniqueConstraint("person_id", name=op.f("uq_village_points_account_person_id")),
    )
    op.create_index(op.f("ix_village_points_account_path"), "village_points_account", ["path"], unique=False)
    op.create_table(
        "village_repair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_village_repair_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_repair")),
        sa.UniqueConstraint("case_number", name=op.f("uq_village_repair_case_number")),
    )
    op.create_index(op.f("ix_village_repair_path"), "village_repair", ["path"], unique=False)
    op.create_index(op.f("ix_village_repair_person_id"), "village_repair", ["person_id"], unique=False)
    op.create_table(
        "village_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("appeal", sa.String(length=400), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["village_indicator.id"],
            name=op.f("fk_village_score_indicator_id_village_indicator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_score")),
        sa.UniqueConstraint("indicator_id", "village_code", "period", name=op.f("uq_village_score_indicator_id")),
    )
    op.create_index(op.f("ix_village_score_indicator_id"), "village_score", ["indicator_id"], unique=False)
    op.create_index(op.f("ix_village_score_path"), "village_score", ["path"], unique=False)
    op.create_index(op.f("ix_village_score_village_code"), "village_score", ["village_code"], unique=False)
    op.create_table(
        "village_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_village_activity_place_id_place"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_activity")),
    )
    op.create_index(op.f("ix_village_activity_path"), "village_activity", ["path"], unique=False)
    op.create_index(op.f("ix_village_activity_place_id"), "village_activity", ["place_id"], unique=False)
    op.create_table(
        "village_points_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["village_points_account.id"],
            name=op.f("fk_village_points_entry_account_id_village_points_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_points_entry")),
    )
    op.create_index(op.f("ix_village_points_entry_account_id"), "village_points_entry", ["account_id"], unique=False)
    op.create_table(
        "village_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("township_code", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("planned_investment", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("backer_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("reserve_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["backer_id"],
            ["village_collective.id"],
            name=op.f("fk_village_project_backer_id_village_collective"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_village_project_place_id_place"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_project")),
        sa.UniqueConstraint("code", name=op.f("uq_village_project_code")),
    )
    op.create_index(op.f("ix_village_project_path"), "village_project", ["path"], unique=False)
    op.create_table(
        "village_volunteer_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=12), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_village_volunteer_shift_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_village_volunteer_shift_place_id_place"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_volunteer_shift")),
        sa.UniqueConstraint("place_id", "day", "slot", "person_id", name="uq_village_volunteer_shift_person"),
        sa.UniqueConstraint("place_id", "day", "slot", "seat", name="uq_village_volunteer_shift_seat"),
    )
    op.create_index(op.f("ix_village_volunteer_shift_day"), "village_volunteer_shift", ["day"], unique=False)
    op.create_index(op.f("ix_village_volunteer_shift_path"), "village_volunteer_shift", ["path"], unique=False)
    op.create_index(
        op.f("ix_village_volunteer_shift_person_id"), "village_volunteer_shift", ["person_id"], unique=False
    )
    op.create_index(op.f("ix_village_volunteer_shift_place_id"), "village_volunteer_shift", ["place_id"], unique=False)
    op.create_table(
        "village_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["village_activity.id"],
            name=op.f("fk_village_booking_activity_id_village_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_village_booking_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_booking")),
        sa.UniqueConstraint("activity_id", "person_id", name=op.f("uq_village_booking_activity_id")),
    )
    op.create_index(op.f("ix_village_booking_activity_id"), "village_booking", ["activity_id"], unique=False)
    op.create_index(op.f("ix_village_booking_path"), "village_booking", ["path"], unique=False)
    op.create_index(op.f("ix_village_booking_person_id"), "village_booking", ["person_id"], unique=False)
    op.create_table(
        "village_project_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("income", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("costs", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("expected", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["village_project.id"],
            name=op.f("fk_village_project_year_project_id_village_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_project_year")),
        sa.UniqueConstraint("project_id", "year", name=op.f("uq_village_project_year_project_id")),
    )
    op.create_index(op.f("ix_village_project_year_project_id"), "village_project_year", ["project_id"], unique=False)
    op.create_table(
        "village_shareholding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("collective_id", sa.Integer(), nullable=False),
        sa.Column("invested", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("share", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["village_collective.id"],
            name=op.f("fk_village_shareholding_collective_id_village_collective"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["village_project.id"],
            name=op.f("fk_village_shareholding_project_id_village_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_shareholding")),
        sa.UniqueConstraint("project_id", "collective_id", name=op.f("uq_village_shareholding_project_id")),
    )
    op.create_index(
        op.f("ix_village_shareholding_collective_id"), "village_shareholding", ["collective_id"], unique=False
    )
    op.create_index(op.f("ix_village_shareholding_project_id"), "village_shareholding", ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_table("village_shareholding")
    op.drop_table("village_project_year")
    op.drop_table("village_booking")
    op.drop_table("village_volunteer_shift")
    op.drop_table("village_project")
    op.drop_table("village_points_entry")
    op.drop_table("village_activity")
    op.drop_table("village_score")
    op.drop_table("village_repair")
    op.drop_table("village_points_account")
    op.drop_table("village_collective_income")
    op.drop_table("village_cadre")
    op.drop_table("village_indicator")
    op.drop_table("village_collective")
