"""config_sync: rule sets and Alertmanager configs as versions, targets, their rollouts.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "config_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_config_documents"),
        sa.UniqueConstraint("kind", "name", name="uq_config_documents_kind_name"),
    )
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("secrets_encrypted", sa.String(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["config_documents.id"],
            name="fk_config_versions_document_id_config_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_config_versions"),
        sa.UniqueConstraint(
            "document_id", "version", name="uq_config_versions_document_id_version"
        ),
    )
    op.create_index("ix_config_versions_document_id", "config_versions", ["document_id"])
    op.create_table(
        "config_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("rule_sets", sa.JSON(), nullable=False),
        sa.Column("rule_set_labels", sa.JSON(), nullable=False),
        sa.Column("alertmanager_config", sa.String(100), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desired_version", sa.Integer(), nullable=False),
        sa.Column("desired_digest", sa.String(64), nullable=False),
        sa.Column("desired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("live_version", sa.Integer(), nullable=False),
        sa.Column("live_digest", sa.String(64), nullable=False),
        sa.Column("disk_digest", sa.String(64), nullable=False),
        sa.Column("drift", sa.Boolean(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(2000), nullable=False),
        sa.Column("alerting", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_config_targets"),
        sa.UniqueConstraint("name", name="uq_config_targets_name"),
    )
    op.create_table(
        "config_rollouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_config_rollouts"),
    )
    op.create_index("ix_config_rollouts_target", "config_rollouts", ["target"])


def downgrade() -> None:
    op.drop_index("ix_config_rollouts_target", "config_rollouts")
    op.drop_table("config_rollouts")
    op.drop_table("config_targets")
    op.drop_index("ix_config_versions_document_id", "config_versions")
    op.drop_table("config_versions")
    op.drop_table("config_documents")
