"""Indexes for the task and file lists: each filter with newest-first order is a range scan.

Tasks get (rule_id, created_at, id) and (error_class, created_at, id) next to the status and
agent ones; file events get (detected_at, id) and (agent_id, detected_at, id), the latter
replacing the single-column agent_id index it covers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_tasks_rule_id_created_at_id", "tasks", ["rule_id", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_tasks_error_class_created_at_id",
        "tasks",
        ["error_class", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_file_events_detected_at_id", "file_events", ["detected_at", "id"], unique=False
    )
    op.create_index(
        "ix_file_events_agent_id_detected_at_id",
        "file_events",
        ["agent_id", "detected_at", "id"],
        unique=False,
    )
    op.drop_index("ix_file_events_agent_id", table_name="file_events")


def downgrade() -> None:
    op.create_index("ix_file_events_agent_id", "file_events", ["agent_id"], unique=False)
    op.drop_index("ix_file_events_agent_id_detected_at_id", table_name="file_events")
    op.drop_index("ix_file_events_detected_at_id", table_name="file_events")
    op.drop_index("ix_tasks_error_class_created_at_id", table_name="tasks")
    op.drop_index("ix_tasks_rule_id_created_at_id", table_name="tasks")
