"""tickets (one active ticket per alert group), ticket_comments, ticket_events.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "group_id IS NOT NULL AND status NOT IN ('closed', 'resolved')"


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("title", 200),
        sa.Column("description", sa.Text(), nullable=False),
        _text("status", 32),
        _text("priority", 2),
        _text("assignee", 200),
        _text("group_id", 64, nullable=True),
        _text("created_by", 200),
        _time("created_at"),
        _time("updated_at"),
        _time("acknowledged_at", nullable=True),
        _time("resolved_at", nullable=True),
        _time("closed_at", nullable=True),
        _time("respond_by", nullable=True),
        _time("resolve_by", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index(
        "uq_tickets_active_group",
        "tickets",
        ["group_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index("ix_tickets_status_id", "tickets", ["status", "id"])
    op.create_index("ix_tickets_priority_id", "tickets", ["priority", "id"])
    op.create_index("ix_tickets_assignee_id", "tickets", ["assignee", "id"])
    op.create_index("ix_tickets_group_id_id", "tickets", ["group_id", "id"])
    op.create_table(
        "ticket_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        _text("author", 200),
        sa.Column("body", sa.Text(), nullable=False),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_ticket_comments_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_comments"),
    )
    op.create_index("ix_ticket_comments_ticket_id", "ticket_comments", ["ticket_id"])
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        _text("kind", 32),
        _text("actor", 200),
        _time("at"),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_ticket_events_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_events"),
    )
    op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("ticket_events")
    op.drop_table("ticket_comments")
    op.drop_table("tickets")
