"""A ticket's detail: its comments, and one timeline in time order merging the ticket's own
events, its comments, its alert group's alert events and the group's analyses."""

from __future__ import annotations

from sqlmodel import Session, col, select

from store import alert_analyses
from store.models import (
    AlertEvent,
    AlertGroupMember,
    Ticket,
    TicketComment,
    TicketCommentPublic,
    TicketDetail,
    TicketEvent,
    TicketPublic,
    TicketTimelineEntry,
)
from store.models.knowledge import entry_key
from store.models.tickets import TicketEventKind

# Each source contributes at most its newest this many entries.
MAX_PER_SOURCE = 500
# Same instant: the alert that caused it first, its analysis, then the ticket's change, then
# what was said.
_ORDER = {"alert": 0, "analysis": 1, "ticket": 2, "comment": 3}


def ticket_detail(session: Session, ticket: Ticket) -> TicketDetail:
    assert ticket.id is not None
    comments = list(
        session.exec(
            select(TicketComment)
            .where(TicketComment.ticket_id == ticket.id)
            .order_by(col(TicketComment.id).desc())
            .limit(MAX_PER_SOURCE)
        )
    )[::-1]
    events = session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind != TicketEventKind.commented)
        .order_by(col(TicketEvent.id).desc())
        .limit(MAX_PER_SOURCE)
    )
    timeline = [
        TicketTimelineEntry(at=e.at, source="ticket", kind=e.kind, actor=e.actor, detail=e.detail)
        for e in events
    ]
    timeline += [
        TicketTimelineEntry(at=c.created_at, source="comment", kind="comment", actor=c.author,
                      body=c.body, detail={"comment_id": c.id})
        for c in comments
    ]  # fmt: skip
    if ticket.group_id is not None:
        timeline += _alert_events(session, ticket.group_id)
        timeline += _analyses(session, ticket.group_id)
    timeline.sort(key=lambda entry: (entry.at, _ORDER[entry.source]))
    public = TicketPublic.of(ticket).model_dump(exclude={"id"})
    return TicketDetail(
        **public,
        comments=[TicketCommentPublic.model_validate(c, from_attributes=True) for c in comments],
        timeline=timeline,
    )


def _alert_events(session: Session, group_id: str) -> list[TicketTimelineEntry]:
    members = select(AlertGroupMember.fingerprint).where(AlertGroupMember.group_id == group_id)
    rows = session.exec(
        select(AlertEvent)
        .where(col(AlertEvent.fingerprint).in_(members))
        .order_by(col(AlertEvent.id).desc())
        .limit(MAX_PER_SOURCE)
    )
    return [
        TicketTimelineEntry(at=e.at, source="alert", kind=e.kind, actor=e.source,
                      fingerprint=e.fingerprint, detail={"status": e.status, **e.detail})
        for e in rows
    ]  # fmt: skip


def _analyses(session: Session, group_id: str) -> list[TicketTimelineEntry]:
    return [
        TicketTimelineEntry(
            at=a.created_at, source="analysis", kind="analysed", actor=a.actor or "sluice",
            body=a.summary, detail={"analysis_id": a.id, "severity": a.severity,
                                    "degraded": a.degraded, "error_class": a.error_class,
                                    "knowledge": [entry_key(i) for i in a.knowledge]},
        )
        for a in alert_analyses.history(session, group_id, MAX_PER_SOURCE)
    ]  # fmt: skip
