"""knowledge_match_runs, alert_group_knowledge, knowledge_asks, knowledge_feedback.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "knowledge_match_runs",
        _text("group_id", 64),
        sa.Column("matches", sa.Integer(), nullable=False),
        _time("matched_at"),
        sa.PrimaryKeyConstraint("group_id", name="pk_knowledge_match_runs"),
    )
    op.create_index("ix_knowledge_match_runs_matched_at", "knowledge_match_runs", ["matched_at"])
    op.create_table(
        "alert_group_knowledge",
        _text("group_id", 64),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("why", sa.JSON(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("group_id", "entry_id", name="pk_alert_group_knowledge"),
    )
    op.create_index("ix_alert_group_knowledge_entry_id", "alert_group_knowledge", ["entry_id"])
    op.create_table(
        "knowledge_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("actor", 200),
        sa.Column("retrieved", sa.Integer(), nullable=False),
        sa.Column("cited", sa.Integer(), nullable=False),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        _text("error_class", 32),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_knowledge_asks"),
    )
    op.create_index("ix_knowledge_asks_created_at", "knowledge_asks", ["created_at"])
    op.create_table(
        "knowledge_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        _text("context", 16),
        _text("group_id", 64, nullable=True),
        _text("actor", 200),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_knowledge_feedback"),
    )
    op.create_index("ix_knowledge_feedback_entry_id", "knowledge_feedback", ["entry_id"])


def downgrade() -> None:
    op.drop_table("knowledge_feedback")
    op.drop_table("knowledge_asks")
    op.drop_table("alert_group_knowledge")
    op.drop_table("knowledge_match_runs")
