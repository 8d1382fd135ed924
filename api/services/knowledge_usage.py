"""Feedback on knowledge matches and answers, and the weekly usage: hit rate (alert groups
matched to at least one entry / groups matched), citation rate (answers citing at least one
entry / asks) and the feedback given."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from store.models import (
    AlertGroup,
    KnowledgeAsk,
    KnowledgeEntry,
    KnowledgeFeedback,
    KnowledgeMatchRun,
    utcnow,
)
from store.models.knowledge_usage import KnowledgeFeedbackCreate, KnowledgeStats, KnowledgeWeek


class UnknownGroup(ValueError):
    """Feedback names an alert group that does not exist."""


def feedback(
    session: Session, *, entry_id: int, body: KnowledgeFeedbackCreate, actor: str
) -> KnowledgeFeedback | None:
    """Record the feedback and count it on the entry; None if there is no such entry."""
    if session.get(KnowledgeEntry, entry_id) is None:
        return None
    if body.group_id is not None and session.get(AlertGroup, body.group_id) is None:
        raise UnknownGroup(f"alert group {body.group_id!r} not found")
    counter = "helpful" if body.helpful else "not_helpful"
    session.execute(
        update(KnowledgeEntry)
        .where(col(KnowledgeEntry.id) == entry_id)
        .values({counter: getattr(KnowledgeEntry, counter) + 1})
    )
    row = KnowledgeFeedback(
        entry_id=entry_id, helpful=body.helpful, context=body.context, group_id=body.group_id,
        actor=actor,
    )  # fmt: skip
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def stats(session: Session, *, weeks: int, now: datetime | None = None) -> KnowledgeStats:
    """The last `weeks` weeks (Monday to Sunday, UTC), this one last."""
    today = (now or utcnow()).astimezone(UTC).date()
    mondays = [today - timedelta(days=today.weekday() + 7 * back) for back in range(weeks)][::-1]
    since = datetime.combine(mondays[0], time(), tzinfo=UTC)
    table = {monday: KnowledgeWeek(
        week=monday.isoformat(), groups=0, groups_with_match=0, hit_rate=None, asks=0,
        asks_citing=0, asks_degraded=0, citation_rate=None, helpful=0, not_helpful=0,
    ) for monday in mondays}  # fmt: skip
    runs = session.exec(
        select(KnowledgeMatchRun.matched_at, KnowledgeMatchRun.matches).where(
            col(KnowledgeMatchRun.matched_at) >= since
        )
    )
    for at, matches in runs:
        if (week := table.get(_monday(at))) is None:  # after `now`
            continue
        week.groups += 1
        week.groups_with_match += matches > 0
    asks = session.exec(
        select(KnowledgeAsk.created_at, KnowledgeAsk.cited, KnowledgeAsk.degraded).where(
            col(KnowledgeAsk.created_at) >= since
        )
    )
    for at, cited, degraded in asks:
        if (week := table.get(_monday(at))) is None:
            continue
        week.asks += 1
        week.asks_citing += cited > 0
        week.asks_degraded += bool(degraded)
    given: Iterable[tuple[datetime, bool]] = session.exec(
        select(KnowledgeFeedback.created_at, KnowledgeFeedback.helpful).where(
            col(KnowledgeFeedback.created_at) >= since
        )
    )
    for at, helpful in given:
        if (week := table.get(_monday(at))) is None:
            continue
        week.helpful += helpful
        week.not_helpful += not helpful
    for week in table.values():
        week.hit_rate = week.groups_with_match / week.groups if week.groups else None
        week.citation_rate = week.asks_citing / week.asks if week.asks else None
    return KnowledgeStats(weeks=list(table.values()))


def _monday(at: datetime) -> date:
    day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).date()
    return day - timedelta(days=day.weekday())
