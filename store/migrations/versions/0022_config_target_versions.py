"""config_target_versions: which document versions made each numbered version of a target.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "config_target_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_config_target_versions"),
        sa.UniqueConstraint("target", "version", name="uq_config_target_versions_target_version"),
    )
    op.create_index("ix_config_target_versions_target", "config_target_versions", ["target"])


def downgrade() -> None:
    op.drop_index("ix_config_target_versions_target", "config_target_versions")
    op.drop_table("config_target_versions")
