"""sensing core: stations, datastreams, observations, dead letters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sensing_station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offline_case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_sensing_station_owner_unit_id_org_unit"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["offline_case_id"],
            ["case_record.id"],
            name=op.f("fk_sensing_station_offline_case_id_case_record"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_station")),
        sa.UniqueConstraint("code", name=op.f("uq_sensing_station_code")),
    )
    op.create_index(op.f("ix_sensing_station_path"), "sensing_station", ["path"])
    op.create_table(
        "sensing_datastream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("property", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["sensing_station.id"],
            name=op.f("fk_sensing_datastream_station_id_sensing_station"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_datastream")),
        sa.UniqueConstraint("station_id", "property", name=op.f("uq_sensing_datastream_station_id")),
    )
    op.create_table(
        "sensing_observation",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column("phenomenon_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["sensing_datastream.id"],
            name=op.f("fk_sensing_observation_datastream_id_sensing_datastream"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_observation")),
        sa.UniqueConstraint("datastream_id", "phenomenon_time", name=op.f("uq_sensing_observation_datastream_id")),
    )
    op.create_index("ix_sensing_observation_phenomenon_time", "sensing_observation", ["phenomenon_time"])
    op.create_table(
        "sensing_dead_letter",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_dead_letter")),
    )
    op.create_index(op.f("ix_sensing_dead_letter_received_at"), "sensing_dead_letter", ["received_at"])


def downgrade() -> None:
    op.drop_table("sensing_dead_letter")
    op.drop_table("sensing_observation")
    op.drop_table("sensing_datastream")
    op.drop_table("sensing_station")
