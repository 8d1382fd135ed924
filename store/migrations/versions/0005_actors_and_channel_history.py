"""Audit rows name the acting token's id and role; notifications outlive their channel.

`audit_logs` gets `actor_token_id` (indexed) and `actor_role`; rows written before stay
NULL and "". `notifications.channel_id` becomes nullable with ON DELETE SET NULL, and
`channel_name` keeps a deleted channel's name on its records. Downgrading drops the
records of deleted channels, which the older schema cannot hold.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_notifications_channel_id_channels"


def upgrade() -> None:
    with op.batch_alter_table("audit_logs") as batch:
        batch.add_column(sa.Column("actor_token_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("actor_role", sa.String(length=32), nullable=False, server_default="")
        )
        batch.create_index("ix_audit_logs_actor_token_id", ["actor_token_id"], unique=False)
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("channel_name", sa.String(), nullable=False, server_default=""))
        batch.alter_column("channel_id", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint(FK, type_="foreignkey")
        batch.create_foreign_key(FK, "channels", ["channel_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE channel_id IS NULL")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.create_foreign_key(FK, "channels", ["channel_id"], ["id"])
        batch.alter_column("channel_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("channel_name")
    with op.batch_alter_table("audit_logs") as batch:
        batch.drop_index("ix_audit_logs_actor_token_id")
        batch.drop_column("actor_role")
        batch.drop_column("actor_token_id")
