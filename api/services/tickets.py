"""Tickets: create (alone, or one per alert group however many ask at once), list on a
keyset, move through the state machine, assign and comment; every change is a ticket event."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from api.services.keyset import Page, decode_id_cursor, encode_id_cursor
from sluice.settings import TicketSettings
from sluice.tickets import (
    DONE,
    Action,
    Priority,
    TransitionRefused,
    deadlines,
    display_id,
    transition,
)
from sluice.tickets import TicketStatus as Status
from store.models import AlertGroup, Ticket, TicketComment, TicketEvent, utcnow
from store.models.tickets import MAX_TITLE, TicketEventKind


class TicketConflict(Exception):
    """The change would give an alert group a second active ticket; `existing` is the one."""

    def __init__(self, message: str, existing: Ticket | None = None) -> None:
        super().__init__(message)
        self.existing = existing


class GroupNotFound(Exception):
    pass


def get_ticket(session: Session, number: int) -> Ticket | None:
    return session.get(Ticket, number)


def active_ticket(session: Session, group_id: str) -> Ticket | None:
    """The group's ticket that is neither resolved nor closed, if it has one."""
    query = select(Ticket).where(Ticket.group_id == group_id, col(Ticket.status).not_in(DONE))
    return session.exec(query).first()


def create_ticket(
    session: Session,
    *,
    title: str,
    description: str,
    priority: Priority | None,
    assignee: str,
    group_id: str | None,
    actor: str,
    policy: TicketSettings,
) -> Ticket:
    """A new open ticket with its deadlines; GroupNotFound, or TicketConflict if its group
    has an active ticket already."""
    if group_id is not None and session.get(AlertGroup, group_id) is None:
        raise GroupNotFound(group_id)
    chosen: Priority = priority or policy.default_priority
    now = utcnow()
    due = deadlines(now, *policy.deadline(chosen))
    row = Ticket(
        title=title, description=description, priority=chosen, assignee=assignee,
        group_id=group_id, created_by=actor, created_at=now, updated_at=now,
        respond_by=due.respond_by, resolve_by=due.resolve_by,
    )  # fmt: skip
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the unique partial index: the group has an active ticket
        session.rollback()
        existing = active_ticket(session, group_id) if group_id else None
        raise TicketConflict(_taken(group_id, existing), existing) from None
    assert row.id is not None
    detail: dict[str, Any] = {"priority": chosen, "group_id": group_id, "assignee": assignee}
    _record(session, row.id, TicketEventKind.created, actor, detail, now)
    session.commit()
    session.refresh(row)
    return row


def ticket_for_group(
    session: Session,
    *,
    group_id: str,
    title: str | None,
    description: str,
    priority: Priority | None,
    assignee: str,
    actor: str,
    policy: TicketSettings,
) -> tuple[Ticket, bool]:
    """The group's active ticket, made now if it has none: (ticket, created). GroupNotFound."""
    group = session.get(AlertGroup, group_id)
    if group is None:
        raise GroupNotFound(group_id)
    for _ in range(3):  # lost a race to a ticket that was then resolved at once: try again
        existing = active_ticket(session, group_id)
        if existing is not None:
            return existing, False
        try:
            made = create_ticket(
                session, title=title or default_title(group), description=description,
                priority=priority, assignee=assignee, group_id=group_id, actor=actor,
                policy=policy,
            )  # fmt: skip
        except TicketConflict as exc:
            if exc.existing is not None:
                return exc.existing, False
            continue
        return made, True
    raise TicketConflict(_taken(group_id, None))


def default_title(group: AlertGroup) -> str:
    labels = ", ".join(f"{k}={v}" for k, v in sorted(group.group_labels.items()))
    return (labels or group.id)[:MAX_TITLE]


def list_tickets(
    session: Session,
    *,
    status: str | None,
    priority: str | None,
    assignee: str | None,
    group_id: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Ticket]:
    """Newest first (ids grow with creation), paged on the id; InvalidCursor for a bad one."""
    query = select(Ticket)
    if status:
        query = query.where(Ticket.status == status)
    if priority:
        query = query.where(Ticket.priority == priority)
    if assignee is not None:
        query = query.where(Ticket.assignee == assignee)
    if group_id:
        query = query.where(Ticket.group_id == group_id)
    if cursor:
        query = query.where(col(Ticket.id) < decode_id_cursor(cursor))
    rows = list(session.exec(query.order_by(col(Ticket.id).desc()).limit(limit + 1)))
    if len(rows) > limit:
        last = rows[limit - 1].id
        assert last is not None
        return Page(rows[:limit], encode_id_cursor(last))
    return Page(rows, None)


def change_status(
    session: Session,
    *,
    ticket: Ticket,
    action: Action,
    actor: str,
    policy: TicketSettings | None = None,
) -> Ticket:
    """`ticket` moved by `action`; TransitionRefused if the state machine forbids it (or it
    changed meanwhile), TicketConflict if reopening would give its group two active tickets.

    Reopening starts its deadlines afresh (from `policy`); every change flags the ticket for
    its timer workflow (`timer_pending`)."""
    before = ticket.status
    target = transition(before, action)
    now = utcnow()
    values: dict[str, Any] = {"status": target, "updated_at": now, "timer_pending": True}
    if action in ("ack", "start", "resolve") and ticket.acknowledged_at is None:
        values["acknowledged_at"] = now  # the first response, whatever form it took
    if target == Status.resolved:
        values["resolved_at"] = now
    elif target == Status.closed:
        values["closed_at"] = now
    elif action == "reopen":
        values.update(resolved_at=None, closed_at=None)
        if policy is not None:  # a new response and resolution are owed from now
            due = deadlines(now, *policy.deadline(cast(Priority, ticket.priority)))
            values.update(acknowledged_at=None, respond_by=due.respond_by,
                          resolve_by=due.resolve_by)  # fmt: skip
    number = ticket.id
    assert number is not None
    guarded = update(Ticket).where(col(Ticket.id) == number, col(Ticket.status) == before)
    try:
        if session.exec(guarded.values(**values)).rowcount != 1:
            session.rollback()
            raise TransitionRefused(f"{display_id(number)} changed meanwhile; try again")
        detail = {"action": action, "from": before, "to": target}
        _record(session, number, TicketEventKind.status_changed, actor, detail, now)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = active_ticket(session, ticket.group_id or "")
        raise TicketConflict(_taken(ticket.group_id, existing), existing) from None
    session.refresh(ticket)
    return ticket


def assign(session: Session, *, ticket: Ticket, to: str, actor: str) -> Ticket:
    assert ticket.id is not None
    before, now = ticket.assignee, utcnow()
    ticket.assignee, ticket.updated_at = to, now
    session.add(ticket)
    _record(session, ticket.id, TicketEventKind.assigned, actor, {"from": before, "to": to}, now)
    session.commit()
    session.refresh(ticket)
    return ticket


def add_comment(session: Session, *, ticket: Ticket, body: str, actor: str) -> TicketComment:
    assert ticket.id is not None
    now = utcnow()
    comment = TicketComment(ticket_id=ticket.id, author=actor, body=body, created_at=now)
    session.add(comment)
    session.flush()
    ticket.updated_at = now
    session.add(ticket)
    _record(session, ticket.id, TicketEventKind.commented, actor, {"comment_id": comment.id}, now)
    session.commit()
    session.refresh(comment)
    return comment


def record_group_update(
    session: Session, *, number: int, actor: str, detail: dict[str, Any]
) -> None:
    _record(session, number, TicketEventKind.group_updated, actor, detail, utcnow())
    session.commit()


def _record(
    session: Session, number: int, kind: str, actor: str, detail: dict[str, Any], at: Any
) -> None:
    session.add(TicketEvent(ticket_id=number, kind=kind, actor=actor, at=at, detail=detail))


def _taken(group_id: str | None, existing: Ticket | None) -> str:
    held = f" ({display_id(existing.id)})" if existing is not None and existing.id else ""
    return f"alert group {group_id!r} has an active ticket already{held}"
