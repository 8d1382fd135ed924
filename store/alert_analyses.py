"""What an alert group's analysis reads (its alerts, related alerts, recent events, knowledge
matches) and what it writes (one row per analysis); the newest analysis of a group."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store import knowledge_matches
from store.models import (
    Alert,
    AlertAnalysisPublic,
    AlertEvent,
    AlertGroup,
    AlertGroupAnalysis,
    AlertGroupMember,
    KnowledgeEntry,
)
from store.models.knowledge import entry_key

MAX_ALERTS = 20  # of the group, firing first
MAX_RELATED = 10
RELATED_SCAN = 500  # recent alerts looked at for related ones
RELATED_WINDOW = timedelta(hours=24)
MAX_EVENTS = 20
RELATING_LABELS = ("alertname", "service", "job", "instance", "namespace")


@dataclass
class GroupFacts:
    """What the analysis of one group is told."""

    group: AlertGroup
    alerts: list[Alert]
    related: list[Alert] = field(default_factory=list)
    events: list[AlertEvent] = field(default_factory=list)
    knowledge: list[KnowledgeEntry] = field(default_factory=list)


def group_facts(engine: Engine, group_id: str, now: datetime) -> GroupFacts | None:
    """The group's facts, its knowledge matches attached first if they were not yet; None
    when the group does not exist."""
    knowledge_matches.attach(engine, group_id, now)
    with Session(engine) as session:
        group = session.get(AlertGroup, group_id)
        if group is None:
            return None
        members = list(
            session.exec(
                select(Alert)
                .join(AlertGroupMember, col(Alert.fingerprint) == col(AlertGroupMember.fingerprint))
                .where(AlertGroupMember.group_id == group_id)
            ).all()
        )
        members.sort(key=lambda a: (a.status != "firing", a.starts_at, a.fingerprint))
        mine = {a.fingerprint for a in members}
        alerts = members[:MAX_ALERTS]
        events = list(
            session.exec(
                select(AlertEvent)
                .where(col(AlertEvent.fingerprint).in_([a.fingerprint for a in alerts]))
                .order_by(col(AlertEvent.at).desc(), col(AlertEvent.id).desc())
                .limit(MAX_EVENTS)
            ).all()
        )
        matched = [m.id for m in knowledge_matches.matches_of(session, group_id)]
        entries = {
            e.id: e
            for e in session.exec(select(KnowledgeEntry).where(col(KnowledgeEntry.id).in_(matched)))
        }
        return GroupFacts(
            group, alerts, _related(session, alerts, mine, now), events,
            [entries[i] for i in matched if i in entries],
        )  # fmt: skip


def _related(session: Session, alerts: list[Alert], mine: set[str], now: datetime) -> list[Alert]:
    """Other recent alerts sharing a name, service, job, instance or namespace with the group."""
    values = {(k, str(a.labels[k])) for a in alerts for k in RELATING_LABELS if k in a.labels}
    recent = session.exec(
        select(Alert)
        .where(col(Alert.last_seen_at) >= now - RELATED_WINDOW)
        .order_by(col(Alert.last_seen_at).desc(), col(Alert.fingerprint).desc())
        .limit(RELATED_SCAN)
    ).all()
    related = [
        a for a in recent
        if a.fingerprint not in mine
        and any((k, str(a.labels.get(k))) in values for k in RELATING_LABELS)
    ]  # fmt: skip
    return related[:MAX_RELATED]


def save(engine: Engine, row: AlertGroupAnalysis) -> int:
    """Keep the analysis; the group counts as changed (its live event tells open pages)."""
    with Session(engine) as session:
        session.add(row)
        group = session.get(AlertGroup, row.group_id)
        if group is not None:
            later = group.updated_at + timedelta(microseconds=1)  # always moves forwards
            group.updated_at = max(later, row.created_at)
            session.add(group)
        session.commit()
        assert row.id is not None
        return row.id


def latest(session: Session, group_id: str) -> AlertGroupAnalysis | None:
    return session.exec(
        select(AlertGroupAnalysis)
        .where(AlertGroupAnalysis.group_id == group_id)
        .order_by(col(AlertGroupAnalysis.id).desc())
        .limit(1)
    ).first()


def history(session: Session, group_id: str, limit: int = 20) -> list[AlertGroupAnalysis]:
    return list(
        session.exec(
            select(AlertGroupAnalysis)
            .where(AlertGroupAnalysis.group_id == group_id)
            .order_by(col(AlertGroupAnalysis.id).desc())
            .limit(limit)
        ).all()
    )


def public(row: AlertGroupAnalysis) -> AlertAnalysisPublic:
    return AlertAnalysisPublic.model_validate(
        {**row.model_dump(), "knowledge": [entry_key(i) for i in row.knowledge]}
    )


def message_values(row: AlertGroupAnalysis | None) -> dict[str, Any] | None:
    """The analysis as notification templates see it (`analysis.*`), or None."""
    if row is None:
        return None
    return {
        "summary": row.summary, "severity": row.severity, "causes": list(row.causes),
        "actions": [dict(a) for a in row.actions], "confidence": row.confidence,
        "knowledge": [entry_key(i) for i in row.knowledge], "degraded": row.degraded,
        "error_class": row.error_class,
    }  # fmt: skip


def plan_facts(
    engine: Engine, group_id: str
) -> tuple[str, list[str], tuple[str, str] | None] | None:
    """The group's route, its firing alerts' severities, and the agent and file of its first
    firing log keyword alert (its `agent` and `path` labels); None if there is no group."""
    with Session(engine) as session:
        group = session.get(AlertGroup, group_id)
        if group is None:
            return None
        firing = session.exec(
            select(Alert)
            .join(AlertGroupMember, col(Alert.fingerprint) == col(AlertGroupMember.fingerprint))
            .where(AlertGroupMember.group_id == group_id, Alert.status == "firing")
            .order_by(col(Alert.starts_at), col(Alert.fingerprint))
            .limit(MAX_ALERTS)
        ).all()
    log = next(
        ((str(a.labels["agent"]), str(a.labels["path"])) for a in firing
         if a.labels.get("agent") and str(a.labels.get("path", "")).startswith("/")),
        None,
    )  # fmt: skip
    return group.route, [a.severity for a in firing], log
