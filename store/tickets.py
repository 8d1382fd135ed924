"""What ticket timers and automatic tickets read and write outside the API: a ticket's
deadlines, its recorded breaches, the timer outbox (`timer_pending`), and a group's ticket
opened by its route."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from sluice.contracts.tickets import RESOLUTION, RESPONSE, TicketTimers
from sluice.settings import TicketSettings
from sluice.tickets import DONE, Deadlines, Priority, deadlines
from store.models import AlertGroup, Ticket, TicketEvent
from store.models.tickets import TicketEventKind

AUTHOR = "sluice"


def timers(engine: Engine, number: int) -> TicketTimers:
    """The ticket's live deadlines (done if resolved, closed or gone)."""
    with Session(engine) as session:
        ticket = session.get(Ticket, number)
        if ticket is None or ticket.status in DONE:
            return TicketTimers(done=True)
        respond_by = ticket.respond_by if ticket.acknowledged_at is None else None
        due = {RESPONSE: respond_by, RESOLUTION: ticket.resolve_by}
        breached = [
            name for name, moment in due.items()
            if moment is not None and _breached(session, number, name, moment)
        ]  # fmt: skip
        return TicketTimers(False, respond_by, ticket.resolve_by, breached)


def record_breach(
    engine: Engine, number: int, deadline: str, due: datetime, detail: dict[str, Any], at: datetime
) -> bool:
    """Record the breach once per deadline and due time; False if it was recorded already."""
    with Session(engine) as session:
        if _breached(session, number, deadline, due):
            return False
        detail = {"deadline": deadline, "due": _iso(due), **detail}
        session.add(
            TicketEvent(ticket_id=number, kind=TicketEventKind.deadline_breached,
                        actor=AUTHOR, at=at, detail=detail)
        )  # fmt: skip
        session.commit()
        return True


def step_recorded(engine: Engine, number: int, deadline: str, due: datetime, step: int,
                  round_: int) -> bool:  # fmt: skip
    """Whether this escalation step (1-based) of this round of the breach is recorded."""
    key = {"deadline": deadline, "due": _iso(due), "step": step, "round": round_}
    with Session(engine) as session:
        query = select(TicketEvent.detail).where(
            TicketEvent.ticket_id == number, TicketEvent.kind == TicketEventKind.escalated
        )
        return any(all(d.get(k) == v for k, v in key.items()) for d in session.exec(query))


def record_step(engine: Engine, number: int, due: datetime, detail: dict[str, Any],
                at: datetime) -> None:  # fmt: skip
    """Record an escalation step: detail names deadline, step (1-based), round, channels."""
    with Session(engine) as session:
        session.add(
            TicketEvent(ticket_id=number, kind=TicketEventKind.escalated, actor=AUTHOR, at=at,
                        detail={**detail, "due": _iso(due)})
        )  # fmt: skip
        session.commit()


def ticket_and_group(engine: Engine, number: int) -> tuple[Ticket | None, AlertGroup | None]:
    with Session(engine, expire_on_commit=False) as session:
        ticket = session.get(Ticket, number)
        group = session.get(AlertGroup, ticket.group_id) if ticket and ticket.group_id else None
        return ticket, group


def open_route_ticket(
    engine: Engine,
    policy: TicketSettings,
    *,
    group_id: str,
    title: str,
    priority: Priority | None,
    now: datetime,
) -> int | None:
    """The group's ticket opened by its route (None if it has an active one already), with
    the deadlines of its priority; the API starts its timer workflow from `timer_pending`."""
    chosen: Priority = priority or policy.default_priority
    due = deadlines(now, *policy.deadline(chosen))
    return open_for_group(engine, group_id=group_id, title=title, priority=chosen, due=due, at=now)


def open_for_group(
    engine: Engine, *, group_id: str, title: str, priority: Priority, due: Deadlines, at: datetime
) -> int | None:
    """Open the group's ticket unless it has an active one (the unique partial index decides
    races): the new ticket's number, or None."""
    with Session(engine) as session:
        row = Ticket(
            title=title, priority=priority, group_id=group_id, created_by=AUTHOR,
            created_at=at, updated_at=at, respond_by=due.respond_by, resolve_by=due.resolve_by,
        )  # fmt: skip
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        assert row.id is not None
        detail = {"priority": priority, "group_id": group_id, "assignee": "", "by_route": True}
        session.add(
            TicketEvent(ticket_id=row.id, kind=TicketEventKind.created, actor=AUTHOR, at=at,
                        detail=detail)
        )  # fmt: skip
        session.commit()
        return row.id


def pending_timers(engine: Engine, limit: int = 500) -> list[tuple[int, datetime]]:
    """Tickets whose timer workflow has not been told of their last change: (number, the
    change's time)."""
    with Session(engine) as session:
        query = select(Ticket.id, Ticket.updated_at).where(col(Ticket.timer_pending)).limit(limit)
        return [(number, at) for number, at in session.exec(query) if number is not None]


def timers_told(engine: Engine, told: list[tuple[int, datetime]]) -> None:
    """Clear the outbox flag of each ticket not changed again since."""
    with Session(engine) as session:
        for number, at in told:
            session.exec(
                update(Ticket)
                .where(col(Ticket.id) == number, col(Ticket.updated_at) == at)
                .values(timer_pending=False)
            )
        session.commit()


def _breached(session: Session, number: int, deadline: str, due: datetime) -> bool:
    query = select(TicketEvent.detail).where(
        TicketEvent.ticket_id == number, TicketEvent.kind == TicketEventKind.deadline_breached
    )
    return any(
        d.get("deadline") == deadline and d.get("due") == _iso(due) for d in session.exec(query)
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
