"""alert_groups: (updated_at, id) and (status, updated_at, id) indexes for keyset paging.

The group list pages most recently changed first on (updated_at, id); these make the first
page and a deep one the same index range scan, with no sort step. The (updated_at, id) index
replaces the single-column one, which the live-changes feed also reads in its order.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_alert_groups_updated_at", table_name="alert_groups")
    op.create_index("ix_alert_groups_updated_at_id", "alert_groups", ["updated_at", "id"])
    op.create_index(
        "ix_alert_groups_status_updated_at_id", "alert_groups", ["status", "updated_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_alert_groups_status_updated_at_id", table_name="alert_groups")
    op.drop_index("ix_alert_groups_updated_at_id", table_name="alert_groups")
    op.create_index("ix_alert_groups_updated_at", "alert_groups", ["updated_at"])
