"""An index on tasks.updated_at: the live-events feed reads the tasks changed since its last look.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tasks_updated_at", "tasks", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tasks_updated_at", table_name="tasks")
