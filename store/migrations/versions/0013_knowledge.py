"""knowledge_entries, their versions, and the full-text index beside them (`knowledge_fts`).

The index is FTS5 on SQLite and a tsvector table with a GIN index on PostgreSQL; it is not a
model (store/knowledge_index.py writes and reads it), so env.py leaves it out of comparisons.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 20:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("symptoms", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("sig_alertname", sa.String(length=200), nullable=False),
        sa.Column("sig_service", sa.String(length=200), nullable=False),
        sa.Column("sig_error", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=32), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("cited", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Integer(), nullable=False),
        sa.Column("not_helpful", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
    )
    op.create_index(
        op.f("ix_knowledge_entries_signature"), "knowledge_entries", ["signature"], unique=False
    )
    op.create_index(
        op.f("ix_knowledge_entries_status"), "knowledge_entries", ["status"], unique=False
    )
    for column in ("sig_alertname", "sig_service"):
        op.create_index(
            op.f(f"ix_knowledge_entries_{column}"), "knowledge_entries", [column], unique=False
        )
    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["knowledge_entries.id"],
            name=op.f("fk_knowledge_versions_entry_id_knowledge_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_versions")),
        sa.UniqueConstraint("entry_id", "version", name="uq_knowledge_versions_entry_id_version"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # rowid = the entry's id; columns hold pre-segmented tokens (sluice.knowledge.text)
        op.execute("CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, body)")
    else:
        op.execute(
            "CREATE TABLE knowledge_fts ("
            "entry_id INTEGER PRIMARY KEY REFERENCES knowledge_entries (id) ON DELETE CASCADE, "
            "document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_knowledge_fts_document ON knowledge_fts USING gin (document)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_table("knowledge_versions")
    for column in ("sig_alertname", "sig_service"):
        op.drop_index(op.f(f"ix_knowledge_entries_{column}"), table_name="knowledge_entries")
    op.drop_index(op.f("ix_knowledge_entries_status"), table_name="knowledge_entries")
    op.drop_index(op.f("ix_knowledge_entries_signature"), table_name="knowledge_entries")
    op.drop_table("knowledge_entries")
