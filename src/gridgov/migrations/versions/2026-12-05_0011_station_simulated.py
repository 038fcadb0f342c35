"""station simulated: a station fed only by a simulation or a drill

The demo's rain gauges and meters report only while ``gridgov simulate`` runs; the sensor-offline check
opened a 传感器离线 case for each of them a quarter of an hour after the demo was built. A simulated station is
never taken for a broken one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sensing_station", sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("sensing_station", "simulated")
