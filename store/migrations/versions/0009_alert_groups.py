"""alert_outbox (dispatch to group workflows), alert_group_members, alert_groups.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=length), nullable=False)


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        _text("id", 32),
        _text("group_id", 64),
        _text("route", 100),
        sa.Column("group_labels", sa.JSON(), nullable=False),
        _text("fingerprint", 16),
        sa.Column("routing_version", sa.Integer(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_alert_outbox"),
    )
    op.create_index("ix_alert_outbox_group_id", "alert_outbox", ["group_id"])
    op.create_index("ix_alert_outbox_created_at", "alert_outbox", ["created_at"])
    op.create_table(
        "alert_group_members",
        _text("group_id", 64),
        _text("fingerprint", 16),
        _text("notified", 16),
        _text("reason", 16),
        sa.Column("silence_id", sa.Integer(), nullable=True),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("group_id", "fingerprint", name="pk_alert_group_members"),
    )
    op.create_index("ix_alert_group_members_fingerprint", "alert_group_members", ["fingerprint"])
    op.create_index("ix_alert_group_members_reason", "alert_group_members", ["reason"])
    op.create_table(
        "alert_groups",
        _text("id", 64),
        _text("route", 100),
        sa.Column("group_labels", sa.JSON(), nullable=False),
        _text("status", 32),
        sa.Column("firing", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        _time("first_notified_at", nullable=True),
        _time("last_notified_at", nullable=True),
        _text("acked_by", 200),
        _time("acked_until", nullable=True),
        _text("assignee", 200),
        sa.Column("escalation_step", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_alert_groups"),
    )
    op.create_index("ix_alert_groups_route", "alert_groups", ["route"])
    op.create_index("ix_alert_groups_status", "alert_groups", ["status"])
    op.create_index("ix_alert_groups_updated_at", "alert_groups", ["updated_at"])


def downgrade() -> None:
    op.drop_table("alert_groups")
    op.drop_table("alert_group_members")
    op.drop_table("alert_outbox")
