"""A resolved ticket's knowledge draft, for a person to review and publish. Written by the
configured LLM from the ticket's story (api/services/ticket_draft_llm.py); without one, or
when it fails, templated: the title from the ticket, the symptoms from its group's alerts
(labels and annotations), the resolution from its comments in order. Either way the
signature comes from the group's first alert, and the timeline's `knowledge_drafted` says
who wrote it (`written_by`) and, degraded, why not the LLM (`error_class`)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from api.services import knowledge
from api.services.ticket_draft_llm import LlmDraft, TicketStory, write
from sluice.llm import LlmFailed
from sluice.settings import AiSettings
from sluice.tickets import display_id
from store.models import Alert, AlertGroupMember, Ticket, TicketComment, TicketEvent, utcnow
from store.models.knowledge import (
    MAX_SECTION,
    MAX_TAGS,
    KnowledgeCreate,
    KnowledgeEntry,
    Signature,
)
from store.models.tickets import TicketEventKind

log = logging.getLogger(__name__)
AUTHOR = "sluice"
MAX_ALERTS = 20
MAX_EVENTS = 200


async def draft_from_ticket(
    session: Session, *, ticket: Ticket, ai: AiSettings
) -> KnowledgeEntry | None:
    """Draft the ticket's entry and link it (`knowledge_draft_id`); None if it has one
    already or the draft cannot be saved (the resolve stands either way). The LLM is asked
    for at most min(ai.timeout, 30 s), with no database connection held meanwhile."""
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
    try:
        templated = KnowledgeCreate(
            title=ticket.title[:300],
            symptoms=_symptoms(alerts)[:MAX_SECTION],
            resolution="\n\n".join(c.body for c in comments)[:MAX_SECTION],
            tags=["ticket"],
            signature=_signature(alerts),
            links=[f"/api/v1/tickets/{display_id(number)}"],
        )
    except ValidationError as exc:
        log.warning("%s: no knowledge draft (%s)", display_id(number), exc)
        return None
    story = _story(session, ticket, list(comments), alerts)
    session.commit()  # nothing to write yet: frees the connection while the model answers
    spec, detail = await _written(ai, story, templated)
    try:
        entry = knowledge.create(
            session, spec=spec, actor=AUTHOR,
            comment=f"drafted from {display_id(number)} " + _how(detail),
        )  # fmt: skip
    except (knowledge.KnowledgeRefused, knowledge.KnowledgeConflict, ValidationError) as exc:
        log.warning("%s: no knowledge draft (%s)", display_id(number), exc)
        session.rollback()
        return None
    ticket.knowledge_draft_id = entry.id
    session.add(ticket)
    session.add(
        TicketEvent(ticket_id=number, kind=TicketEventKind.knowledge_drafted, actor=AUTHOR,
                    at=utcnow(), detail={"entry_id": entry.id, **detail})
    )  # fmt: skip
    session.commit()
    session.refresh(ticket)
    return entry


async def _written(
    ai: AiSettings, story: TicketStory, templated: KnowledgeCreate
) -> tuple[KnowledgeCreate, dict[str, Any]]:
    """The LLM's draft, or the templated one with why (`degraded`, `error_class`)."""
    try:
        draft = await write(ai, story)
        spec = _from_llm(draft, templated)
    except LlmFailed as exc:
        error_class, message = exc.error_class, str(exc)
    except ValidationError as exc:
        error_class, message = "invalid_output", str(exc)
    except Exception as exc:  # never lose the resolve's draft to an unforeseen failure
        log.warning("%s: the LLM draft failed", story.key, exc_info=True)
        error_class, message = "unknown", f"{type(exc).__name__}: {exc}"
    else:
        return spec, {"written_by": "llm", "degraded": False}
    if error_class != "not_configured":
        log.warning("%s: templated knowledge draft (%s: %s)", story.key, error_class, message)
    return templated, {"written_by": "template", "degraded": True, "error_class": error_class}


def _how(detail: dict[str, Any]) -> str:
    if detail["written_by"] == "llm":
        return "by the LLM"
    return f"from the template (LLM: {detail['error_class']})"


def _from_llm(draft: LlmDraft, templated: KnowledgeCreate) -> KnowledgeCreate:
    tags = list(dict.fromkeys(["ticket", *(t.strip().lower() for t in draft.tags)]))
    return templated.model_copy(
        update={"title": draft.title, "symptoms": draft.symptoms, "cause": draft.cause,
                "resolution": draft.steps(), "tags": [t for t in tags if t][:MAX_TAGS]}
    )  # fmt: skip


def _signature(alerts: list[Alert]) -> Signature:
    if not alerts:
        return Signature()
    first, notes = alerts[0], alerts[0].annotations
    return Signature(
        alertname=str(first.labels.get("alertname", ""))[:200],
        service=str(first.labels.get("service", ""))[:200],
        error=str(notes.get("description") or notes.get("summary") or "")[:MAX_SECTION],
    )


def _story(
    session: Session, ticket: Ticket, comments: list[TicketComment], alerts: list[Alert]
) -> TicketStory:
    events = session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind != TicketEventKind.commented)
        .order_by(col(TicketEvent.id))
        .limit(MAX_EVENTS)
    )
    return TicketStory(
        key=display_id(ticket.id or 0), title=ticket.title, priority=ticket.priority,
        description=ticket.description,
        comments=[(c.author, c.body) for c in comments],
        events=[{"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, **e.detail}
                for e in events],
        alerts=[{"labels": a.labels, "annotations": a.annotations} for a in alerts],
    )  # fmt: skip


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
