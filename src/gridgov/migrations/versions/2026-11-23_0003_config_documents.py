"""config documents (routing rules, thresholds, weights); alerts to answer (叫应), deliveries, escalation steps

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "config_document",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_config_document")),
    )
    op.create_table(
        "notify_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("reply_code", sa.String(length=8), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_alert")),
    )
    op.create_index(op.f("ix_notify_alert_subject"), "notify_alert", ["subject"])
    op.create_index(op.f("ix_notify_alert_path"), "notify_alert", ["path"])
    op.create_table(
        "notify_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_via", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["notify_alert.id"],
            name=op.f("fk_notify_recipient_alert_id_notify_alert"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_notify_recipient_person_id_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_recipient")),
    )
    op.create_index(op.f("ix_notify_recipient_alert_id"), "notify_recipient", ["alert_id"])
    op.create_index(op.f("ix_notify_recipient_person_id"), "notify_recipient", ["person_id"])
    op.create_index("ix_notify_recipient_phone_open", "notify_recipient", ["phone", "acked_at"])
    op.create_table(
        "notify_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("external_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["notify_recipient.id"],
            name=op.f("fk_notify_delivery_recipient_id_notify_recipient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_delivery")),
    )
    op.create_index(op.f("ix_notify_delivery_recipient_id"), "notify_delivery", ["recipient_id"])
    op.create_index("ix_notify_delivery_status", "notify_delivery", ["status", "id"])
    op.create_table(
        "notify_escalation_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["notify_alert.id"],
            name=op.f("fk_notify_escalation_step_alert_id_notify_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_escalation_step")),
        sa.UniqueConstraint("alert_id", "round", "step", name=op.f("uq_notify_escalation_step_alert_id")),
    )


def downgrade() -> None:
    op.drop_table("notify_escalation_step")
    op.drop_table("notify_delivery")
    op.drop_table("notify_recipient")
    op.drop_table("notify_alert")
    op.drop_table("config_document")
