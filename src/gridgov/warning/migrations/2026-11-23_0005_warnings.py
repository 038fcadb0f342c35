"""warnings: risk zones, households, responsible people, zone gauges, warnings, CAP messages

Revision ID: 0005
Revises: (base of the warning module's branch; depends on core 0004: person, org nodes, sensing stations)
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("warning",)
depends_on: str | Sequence[str] | None = "0004"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "warning_zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("township_code", sa.String(length=32), nullable=False),
        sa.Column("village_code", sa.String(length=32), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("importance", sa.String(length=12), nullable=False),
        sa.Column("management_level", sa.Integer(), nullable=False),
        sa.Column("hazard_kind", sa.String(length=20), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_zone")),
        sa.UniqueConstraint("code", name=op.f("uq_warning_zone_code")),
    )
    op.create_index(op.f("ix_warning_zone_path"), "warning_zone", ["path"])
    op.create_table(
        "warning_household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("head_name", sa.String(length=60), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("survey_year", sa.Integer(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["warning_zone.id"], name=op.f("fk_warning_household_zone_id_warning_zone"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_household")),
    )
    op.create_index(op.f("ix_warning_household_zone_id"), "warning_household", ["zone_id"])
    op.create_table(
        "warning_zone_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["warning_zone.id"],
            name=op.f("fk_warning_zone_person_zone_id_warning_zone"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_warning_zone_person_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_zone_person")),
        sa.UniqueConstraint("zone_id", "person_id", "level", name=op.f("uq_warning_zone_person_zone_id")),
    )
    op.create_index(op.f("ix_warning_zone_person_zone_id"), "warning_zone_person", ["zone_id"])
    op.create_index(op.f("ix_warning_zone_person_person_id"), "warning_zone_person", ["person_id"])
    op.create_table(
        "warning_zone_gauge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("station_code", sa.String(length=40), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["warning_zone.id"],
            name=op.f("fk_warning_zone_gauge_zone_id_warning_zone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_zone_gauge")),
        sa.UniqueConstraint("zone_id", "station_code", name=op.f("uq_warning_zone_gauge_zone_id")),
    )
    op.create_index(op.f("ix_warning_zone_gauge_zone_id"), "warning_zone_gauge", ["zone_id"])
    op.create_index(op.f("ix_warning_zone_gauge_station_code"), "warning_zone_gauge", ["station_code"])
    op.create_table(
        "warning_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("hazard", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("peak_colour", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("exercise", sa.Boolean(), nullable=False),
        sa.Column("trigger_window", sa.String(length=12), nullable=True),
        sa.Column("trigger_value", sa.Float(), nullable=True),
        sa.Column("trigger_threshold", sa.Float(), nullable=True),
        sa.Column("trigger_gauge", sa.String(length=40), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("below_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("below_peak", sa.Integer(), nullable=False),
        sa.Column("cap_identifier", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["warning_zone.id"], name=op.f("fk_warning_record_zone_id_warning_zone"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_record")),
    )
    op.create_index(op.f("ix_warning_record_zone_id"), "warning_record", ["zone_id"])
    op.create_index(op.f("ix_warning_record_state"), "warning_record", ["state"])
    # at most one active warning per (zone, hazard), enforced by the database (not a read-then-write)
    op.create_index(
        "uq_warning_record_active_zone_hazard",
        "warning_record",
        ["zone_id", "hazard"],
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    )
    op.create_table(
        "warning_cap_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=12), nullable=False),
        sa.Column("msg_type", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("identifier", sa.String(length=40), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warning_record.id"],
            name=op.f("fk_warning_cap_message_warning_id_warning_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_cap_message")),
        sa.UniqueConstraint("identifier", name=op.f("uq_warning_cap_message_identifier")),
    )
    op.create_index(op.f("ix_warning_cap_message_warning_id"), "warning_cap_message", ["warning_id"])
    op.create_index(op.f("ix_warning_cap_message_sent_at"), "warning_cap_message", ["sent_at"])


def downgrade() -> None:
    op.drop_table("warning_cap_message")
    op.drop_index("uq_warning_record_active_zone_hazard", table_name="warning_record")
    op.drop_table("warning_record")
    op.drop_table("warning_zone_gauge")
    op.drop_table("warning_zone_person")
    op.drop_table("warning_household")
    op.drop_table("warning_zone")
