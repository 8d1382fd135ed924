"""Tickets: the ticket rows (one active ticket per alert group, by a unique partial index),
their comments, their own events, and the shapes the API reads and writes."""

from datetime import datetime
from typing import Any

from pydantic import computed_field
from sqlalchemy import Column, Index, Text, text, true
from sqlmodel import Field, SQLModel

from sluice.tickets import DONE, Priority, TicketStatus, display_id
from store.models.common import created_at_field, json_field, optional_time_field, status_field

MAX_TITLE = 200
MAX_BODY = 20_000
DEFAULT_PRIORITY = "Default: the setting tickets.default_priority (P3)."
# The partial index's condition: a group has at most one ticket that is not yet done.
ACTIVE = "group_id IS NOT NULL AND status NOT IN ({})".format(
    ", ".join(f"'{s}'" for s in sorted(DONE))
)


class TicketEventKind:
    created = "created"
    status_changed = "status_changed"
    assigned = "assigned"
    commented = "commented"
    group_updated = "group_updated"  # the ack or resolve sent to its alert group, and the outcome
    deadline_breached = "deadline_breached"  # detail: deadline, due, policy (, channels)
    escalated = "escalated"  # a breach's policy step: deadline, due, step, round, channels
    knowledge_drafted = "knowledge_drafted"  # detail: entry_id


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        Index(
            "uq_tickets_active_group",
            "group_id",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
        Index("ix_tickets_status_id", "status", "id"),
        Index("ix_tickets_priority_id", "priority", "id"),
        Index("ix_tickets_assignee_id", "assignee", "id"),
        Index("ix_tickets_group_id_id", "group_id", "id"),
        Index("ix_tickets_timer_pending", "timer_pending"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=MAX_TITLE)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = status_field(TicketStatus.open)
    priority: str = Field(default="P3", max_length=2)
    assignee: str = Field(default="", max_length=200)
    group_id: str | None = Field(default=None, max_length=64)
    created_by: str = Field(max_length=200)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    acknowledged_at: datetime | None = optional_time_field()
    resolved_at: datetime | None = optional_time_field()
    closed_at: datetime | None = optional_time_field()
    respond_by: datetime | None = optional_time_field()
    resolve_by: datetime | None = optional_time_field()
    # Its timer workflow has not yet been told of the last change (an outbox in the row).
    timer_pending: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    knowledge_draft_id: int | None = Field(default=None)


class TicketComment(SQLModel, table=True):
    __tablename__ = "ticket_comments"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    author: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = created_at_field()


class TicketEvent(SQLModel, table=True):
    """A change of the ticket itself: who did what, when (`detail`: from/to, the assignee…)."""

    __tablename__ = "ticket_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    kind: str = status_field(TicketEventKind.created)
    actor: str = Field(default="", max_length=200)
    at: datetime = created_at_field()
    detail: dict[str, Any] = json_field()


class TicketCreate(SQLModel):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_BODY, description="Markdown.")
    priority: Priority | None = Field(
        default=None, description="Default: tickets.default_priority."
    )
    assignee: str = Field(default="", max_length=200)
    group_id: str | None = Field(default=None, min_length=1, max_length=64)


class TicketFromGroup(SQLModel):
    title: str | None = Field(
        default=None, min_length=1, max_length=MAX_TITLE, description="Default: the group's labels."
    )
    description: str = Field(default="", max_length=MAX_BODY, description="Markdown.")
    priority: Priority | None = Field(
        default=None, description="Default: tickets.default_priority."
    )
    assignee: str = Field(default="", max_length=200)


class TicketAssign(SQLModel):
    to: str = Field(max_length=200, description='"" unassigns.')


class TicketCommentCreate(SQLModel):
    body: str = Field(min_length=1, max_length=MAX_BODY, description="Markdown.")


class TicketPublic(SQLModel):
    number: int
    title: str
    description: str
    status: str
    priority: str
    assignee: str
    group_id: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    respond_by: datetime | None
    resolve_by: datetime | None
    knowledge_draft_id: int | None = Field(
        default=None, description="The knowledge draft its resolution wrote (`KB-<n>`)."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def id(self) -> str:
        """`T-<number>`."""
        return display_id(self.number)

    @classmethod
    def of(cls, row: Ticket) -> "TicketPublic":
        fields = row.model_dump(exclude={"id", "timer_pending"})
        assert row.id is not None
        return cls(number=row.id, **fields)


class TicketPage(SQLModel):
    items: list[TicketPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last.")


class GroupUpdate(SQLModel):
    """What the ticket's change did to its alert group (after the ticket's change committed)."""

    update: str  # ack or resolve
    applied: bool
    reason: str = ""  # why not, when not applied
    acked_by: str = ""
    firing: int | None = None


class TicketChange(TicketPublic):
    """The ticket after a transition, and what became of its group's update, if it has one."""

    group_update: GroupUpdate | None = None


class TicketCommentPublic(SQLModel):
    id: int
    author: str
    body: str
    created_at: datetime


class TicketTimelineEntry(SQLModel):
    """One line of a ticket's timeline: `source` ticket (its own events), comment, alert
    (its group's alert events) or analysis (the group's, its summary as `body`); `detail` as
    the source recorded it."""

    at: datetime
    source: str
    kind: str
    actor: str = ""
    body: str = ""  # a comment's Markdown
    fingerprint: str = ""  # an alert event's alert
    detail: dict[str, Any] = {}


class TicketDetail(TicketPublic):
    comments: list[TicketCommentPublic] = []
    timeline: list[TicketTimelineEntry] = []
