"""enterprise_service: appeals on core cases, return visits, key projects and their stages, 亩均 figures

Revision ID: enterprise_service_0001
Revises: (base of the enterprise_service branch; depends on core 0009: the shared enterprise registry)
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "enterprise_service_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("enterprise_service",)
depends_on: str | Sequence[str] | None = "0009"


def upgrade() -> None:
    op.create_table(
        "key_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("investor", sa.String(length=200), nullable=False),
        sa.Column("amount_wan", sa.Float(), nullable=False),
        sa.Column("land_mu", sa.Float(), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("leader", sa.String(length=60), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("township_code", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_key_project_enterprise_id_enterprise"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_project")),
        sa.UniqueConstraint("code", name=op.f("uq_key_project_code")),
    )
    op.create_index(op.f("ix_key_project_enterprise_id"), "key_project", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_key_project_path"), "key_project", ["path"], unique=False)
    op.create_index(op.f("ix_key_project_township_code"), "key_project", ["township_code"], unique=False)
    op.create_table(
        "per_mu_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("above_scale", sa.Boolean(), nullable=False),
        sa.Column("in_production", sa.Boolean(), nullable=False),
        sa.Column("veto", sa.String(length=200), nullable=True),
        sa.Column("tax", sa.Float(), nullable=True),
        sa.Column("value_added", sa.Float(), nullable=True),
        sa.Column("land_mu", sa.Float(), nullable=True),
        sa.Column("energy_tce", sa.Float(), nullable=True),
        sa.Column("emission_t", sa.Float(), nullable=True),
        sa.Column("employees", sa.Float(), nullable=True),
        sa.Column("rd", sa.Float(), nullable=True),
        sa.Column("revenue", sa.Float(), nullable=True),
        sa.Column("electricity_mwh", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_per_mu_figures_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_per_mu_figures")),
        sa.UniqueConstraint("enterprise_id", "year", name=op.f("uq_per_mu_figures_enterprise_id")),
    )
    op.create_index(op.f("ix_per_mu_figures_enterprise_id"), "per_mu_figures", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_per_mu_figures_year"), "per_mu_figures", ["year"], unique=False)
    op.create_table(
        "enterprise_account_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_enterprise_account_link_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_account_link_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_account_link")),
        sa.UniqueConstraint("account_id", "enterprise_id", name=op.f("uq_enterprise_account_link_account_id")),
    )
    op.create_index(
        op.f("ix_enterprise_account_link_account_id"), "enterprise_account_link", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_enterprise_account_link_enterprise_id"), "enterprise_account_link", ["enterprise_id"], unique=False
    )
    op.create_table(
        "key_project_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("planned", sa.Date(), nullable=True),
        sa.Column("actual", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["key_project.id"],
            name=op.f("fk_key_project_stage_project_id_key_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_project_stage")),
        sa.UniqueConstraint("project_id", "stage", name=op.f("uq_key_project_stage_project_id")),
    )
    op.create_index(op.f("ix_key_project_stage_project_id"), "key_project_stage", ["project_id"], unique=False)
    op.create_table(
        "enterprise_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("shared", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recorder_name", sa.String(length=100), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_enterprise_appeal_case_id_case_record"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_appeal_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["key_project.id"],
            name=op.f("fk_enterprise_appeal_project_id_key_project"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_appeal")),
        sa.UniqueConstraint("case_id", name=op.f("uq_enterprise_appeal_case_id")),
    )
    op.create_index(op.f("ix_enterprise_appeal_colour"), "enterprise_appeal", ["colour"], unique=False)
    op.create_index(op.f("ix_enterprise_appeal_enterprise_id"), "enterprise_appeal", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_enterprise_appeal_project_id"), "enterprise_appeal", ["project_id"], unique=False)
    op.create_table(
        "enterprise_appeal_colour",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("from_colour", sa.String(length=8), nullable=True),
        sa.Column("to_colour", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["enterprise_appeal.id"],
            name=op.f("fk_enterprise_appeal_colour_appeal_id_enterprise_appeal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_appeal_colour")),
    )
    op.create_index(
        op.f("ix_enterprise_appeal_colour_appeal_id"), "enterprise_appeal_colour", ["appeal_id"], unique=False
    )
    op.create_table(
        "enterprise_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_account_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["enterprise_appeal.id"],
            name=op.f("fk_enterprise_visit_appeal_id_enterprise_appeal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_visit_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_visit")),
    )
    op.create_index(op.f("ix_enterprise_visit_appeal_id"), "enterprise_visit", ["appeal_id"], unique=False)
    op.create_index(op.f("ix_enterprise_visit_enterprise_id"), "enterprise_visit", ["enterprise_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_enterprise_visit_appeal_id"), table_name="enterprise_visit")
    op.drop_index(op.f("ix_enterprise_visit_enterprise_id"), table_name="enterprise_visit")
    op.drop_table("enterprise_visit")
    op.drop_index(op.f("ix_enterprise_appeal_colour_appeal_id"), table_name="enterprise_appeal_colour")
    op.drop_table("enterprise_appeal_colour")
    op.drop_index(op.f("ix_enterprise_appeal_colour"), table_name="enterprise_appeal")
    op.drop_index(op.f("ix_enterprise_appeal_enterprise_id"), table_name="enterprise_appeal")
    op.drop_index(op.f("ix_enterprise_appeal_project_id"), table_name="enterprise_appeal")
    op.drop_table("enterprise_appeal")
    op.drop_index(op.f("ix_key_project_stage_project_id"), table_name="key_project_stage")
    op.drop_table("key_project_stage")
    op.drop_index(op.f("ix_enterprise_account_link_account_id"), table_name="enterprise_account_link")
    op.drop_index(op.f("ix_enterprise_account_link_enterprise_id"), table_name="enterprise_account_link")
    op.drop_table("enterprise_account_link")
    op.drop_index(op.f("ix_per_mu_figures_enterprise_id"), table_name="per_mu_figures")
    op.drop_index(op.f("ix_per_mu_figures_year"), table_name="per_mu_figures")
    op.drop_table("per_mu_figures")
    op.drop_index(op.f("ix_key_project_enterprise_id"), table_name="key_project")
    op.drop_index(op.f("ix_key_project_path"), table_name="key_project")
    op.drop_index(op.f("ix_key_project_township_code"), table_name="key_project")
    op.drop_table("key_project")
