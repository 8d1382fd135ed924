"""A resolved ticket's knowledge draft, templated: the title from the ticket, the symptoms
from its group's alerts (labels and annotations), the resolution from its comments in
order, the signature from the group's first alert. A person reviews and publishes it."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlmodel import Session, col, select

from api.services import knowledge
from sluice.tickets import display_id
from store.models import Alert, AlertGroupMember, Ticket, TicketComment, TicketEvent, utcnow
from store.models.knowledge import (
    MAX_SECTION,
    KnowledgeCreate,
    KnowledgeEntry,
    Signature,
)
from store.models.tickets import TicketEventKind

log = logging.getLogger(__name__)
AUTHOR = "sluice"
MAX_ALERTS = 20


def draft_from_ticket(session: Session, *, ticket: Ticket) -> KnowledgeEntry | None:
    """Draft the ticket's entry and link it (`knowledge_draft_id`); None if it has one
    already or the draft cannot be saved (the resolve stands either way)."""
    number = ticket.id
    assert number is not None
    if ticket.knowledge_draft_id is not None:
        return None
    alerts = _alerts(session, ticket.group_id) if ticket.group_id else []
    comments = session.exec(
        select(TicketComment)
        .where(TicketComment.ticket_id == number)
        .order_by(col(TicketComment.created_at), col(TicketComment.id))
    ).all()
    first = alerts[0] if alerts else None
    signature = Signature()
    if first is not None:
        notes = first.annotations
        signature = Signature(
            alertname=str(first.labels.get("alertname", ""))[:200],
            service=str(first.labels.get("service", ""))[:200],
            error=str(notes.get("description") or notes.get("summary") or "")[:MAX_SECTION],
        )
    try:
        spec = KnowledgeCreate(
            title=ticket.title[:300],
            symptoms=_symptoms(alerts)[:MAX_SECTION],
            resolution="\n\n".join(c.body for c in comments)[:MAX_SECTION],
            tags=["ticket"],
            signature=signature,
            links=[f"/api/v1/tickets/{display_id(number)}"],
        )
        entry = knowledge.create(
            session, spec=spec, actor=AUTHOR, comment=f"drafted from {display_id(number)}"
        )
    except (knowledge.KnowledgeRefused, knowledge.KnowledgeConflict, ValidationError) as exc:
        log.warning("%s: no knowledge draft (%s)", display_id(number), exc)
        session.rollback()
        return None
    ticket.knowledge_draft_id = entry.id
    session.add(ticket)
    session.add(
        TicketEvent(ticket_id=number, kind=TicketEventKind.knowledge_drafted, actor=AUTHOR,
                    at=utcnow(), detail={"entry_id": entry.id})
    )  # fmt: skip
    session.commit()
    session.refresh(ticket)
    return entry


def _alerts(session: Session, group_id: str) -> list[Alert]:
    query = (
        select(Alert)
        .join(AlertGroupMember, col(AlertGroupMember.fingerprint) == col(Alert.fingerprint))
        .where(AlertGroupMember.group_id == group_id)
        .order_by(col(Alert.starts_at), col(Alert.fingerprint))
        .limit(MAX_ALERTS)
    )
    return list(session.exec(query))


def _symptoms(alerts: list[Alert]) -> str:
    lines = []
    for alert in alerts:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
        lines.append(f"- {labels}")
        for key, value in sorted(alert.annotations.items()):
            lines.append(f"  - {key}: {value}")
    return "\n".join(lines)
