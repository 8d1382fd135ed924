"""Agent status and pushed config: config, applied version, spool depth, in flight, events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("config", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("applied_config_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("spool_depth", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("in_flight", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("events", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        for column in (
            "events", "last_error", "in_flight", "spool_depth", "applied_config_version", "config",
        ):  # fmt: skip
            batch.drop_column(column)
