"""The knowledge entries matched to an alert group: found once per run of its workflow (on its
first flush, or first by its analysis) by the alerts' labels and signature and the text of
their name, summary and description; kept with their rank, score and why, and counted in the
entries' `matched` counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.knowledge import SearchHit, any_published, search
from store.models import (
    Alert,
    AlertGroup,
    AlertGroupKnowledge,
    AlertGroupMember,
    KnowledgeEntry,
    KnowledgeMatch,
    KnowledgeMatchRun,
)
from store.models.knowledge import entry_key

TOP = 3  # entries attached to a group
MAX_QUERY_CHARS = 2000
MAX_ALERTS_READ = 50  # of a large group, the first alerts describe it well enough


def attach(engine: Engine, group_id: str, now: datetime, *, top: int = TOP) -> int | None:
    """Match the group once: the number of entries attached, or None if it was matched
    before (or has no alerts yet). Safe to call on every flush and from concurrent retries:
    the run row's primary key lets one of them through."""
    with Session(engine) as session:
        if session.get(KnowledgeMatchRun, group_id) is not None:
            return None
        group = session.get(AlertGroup, group_id)
        alerts = _alerts(session, group_id)
        if group is None or not alerts:
            return None
        labels, query, error = describe(group.group_labels, [a.labels for a in alerts],
                                        [a.annotations for a in alerts])  # fmt: skip
        hits = (
            search(session, query=query, labels=labels, error=error, limit=top)
            if any_published(session)  # an empty knowledge base: no segmenter, no memory
            else []
        )
        session.add(KnowledgeMatchRun(group_id=group_id, matches=len(hits), matched_at=now))
        for rank, hit in enumerate(hits, start=1):
            assert hit.entry.id is not None
            session.add(
                AlertGroupKnowledge(
                    group_id=group_id, entry_id=hit.entry.id, rank=rank, score=hit.score,
                    why=why(hit), created_at=now,
                )
            )  # fmt: skip
        ids = [hit.entry.id for hit in hits]
        if ids:
            session.execute(
                update(KnowledgeEntry)
                .where(col(KnowledgeEntry.id).in_(ids))
                .values(matched=col(KnowledgeEntry.matched) + 1)
            )
        try:
            session.commit()
        except IntegrityError:  # another attempt matched it first
            session.rollback()
            return None
        return len(hits)


def forget(conn: Connection, group_id: str) -> None:
    """A new run of the group (a new incident under the same labels) is matched afresh: the
    knowledge may have grown since, e.g. by the last incident's resolution."""
    conn.execute(delete(AlertGroupKnowledge).where(col(AlertGroupKnowledge.group_id) == group_id))
    conn.execute(delete(KnowledgeMatchRun).where(col(KnowledgeMatchRun.group_id) == group_id))


def matches_of(session: Session, group_id: str) -> list[KnowledgeMatch]:
    """The entries matched to the group, best first (deleted entries left out)."""
    rows = session.exec(
        select(AlertGroupKnowledge, KnowledgeEntry)
        .join(KnowledgeEntry, col(KnowledgeEntry.id) == col(AlertGroupKnowledge.entry_id))
        .where(AlertGroupKnowledge.group_id == group_id)
        .order_by(col(AlertGroupKnowledge.rank))
    ).all()
    return [
        KnowledgeMatch(
            id=entry.id or 0, key=entry_key(entry.id or 0), title=entry.title,
            score=match.score, why=list(match.why),
        )
        for match, entry in rows
    ]  # fmt: skip


def describe(
    group_labels: dict[str, Any],
    labels: Sequence[dict[str, Any]],
    annotations: Sequence[dict[str, Any]],
) -> tuple[dict[str, str], str, str]:
    """What a search for the group uses: the labels all its alerts share (and the group's),
    the text of their names, summaries and descriptions, and the error text the signature
    is compared with (the first alert's description, else its summary)."""
    shared = {str(k): str(v) for k, v in labels[0].items()} if labels else {}
    for other in labels[1:]:
        shared = {k: v for k, v in shared.items() if str(other.get(k, "")) == v}
    shared.update({str(k): str(v) for k, v in group_labels.items()})
    parts: list[str] = []
    for alert_labels, notes in zip(labels, annotations, strict=True):
        for text in (alert_labels.get("alertname"), notes.get("summary"),
                     notes.get("description")):  # fmt: skip
            if text and str(text) not in parts:
                parts.append(str(text))
    first = annotations[0] if annotations else {}
    error = str(first.get("description") or first.get("summary") or "")
    return shared, "\n".join(parts)[:MAX_QUERY_CHARS], error[:MAX_QUERY_CHARS]


def why(hit: SearchHit) -> list[str]:
    reasons = [
        ("exact_signature", hit.exact_signature),
        ("signature", hit.signature_rank is not None),
        ("labels", hit.labels_rank is not None),
        ("text", hit.text_rank is not None),
    ]
    return [name for name, held in reasons if held]


def _alerts(session: Session, group_id: str) -> list[Alert]:
    return list(
        session.exec(
            select(Alert)
            .join(AlertGroupMember, col(Alert.fingerprint) == col(AlertGroupMember.fingerprint))
            .where(AlertGroupMember.group_id == group_id)
            .order_by(col(Alert.starts_at), col(Alert.fingerprint))
            .limit(MAX_ALERTS_READ)
        ).all()
    )
