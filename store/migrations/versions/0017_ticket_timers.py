"""tickets.timer_pending (its timer workflow's outbox) and tickets.knowledge_draft_id.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("timer_pending", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("knowledge_draft_id", sa.Integer(), nullable=True))
        batch.create_index("ix_tickets_timer_pending", ["timer_pending"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_timer_pending")
        batch.drop_column("knowledge_draft_id")
        batch.drop_column("timer_pending")
