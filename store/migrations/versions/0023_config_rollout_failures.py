"""config_rollout_failures: when a rollout failed with no sidecar report to say so.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("config_rollouts") as batch:
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("config_rollouts") as batch:
        batch.drop_column("failed_at")
