"""Alert groups record on whose behalf an ack was made, beside the token that made it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_groups") as batch:
        batch.add_column(
            sa.Column(
                "acked_on_behalf_of", sa.String(length=200), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_groups") as batch:
        batch.drop_column("acked_on_behalf_of")
