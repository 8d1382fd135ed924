"""Every config pushed to an agent is kept (`agent_config_versions`), not only the current one.

An agent's config at upgrade time becomes its first recorded version (by "").

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_config_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_config_versions_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_config_versions")),
        sa.UniqueConstraint(
            "agent_id", "version", name="uq_agent_config_versions_agent_id_version"
        ),
    )
    op.execute(
        "INSERT INTO agent_config_versions (agent_id, version, config, created_by, created_at) "
        "SELECT id, config_version, config, '', CURRENT_TIMESTAMP FROM agents "
        "WHERE config_version > 0"
    )


def downgrade() -> None:
    op.drop_table("agent_config_versions")
