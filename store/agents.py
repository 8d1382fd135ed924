"""Agent liveness: when an agent counts as stale or offline, counted and persisted in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, literal, or_, update
from sqlmodel import Session, case, col, select

from sluice.settings import MonitorSettings
from store.models import Agent, AgentStatus


@dataclass(frozen=True)
class Liveness:
    """Heartbeat lag after which an agent shows as stale, and after which it is offline."""

    stale_after: timedelta
    offline_after: timedelta

    @classmethod
    def of(cls, monitor: MonitorSettings) -> Liveness:
        return cls(timedelta(seconds=monitor.stale_after), timedelta(seconds=monitor.offline_after))

    def status(self, agent: Agent, now: datetime) -> AgentStatus:
        """Offline once marked so or silent past `offline_after`; stale past `stale_after`."""
        seen = agent.last_heartbeat_at
        if agent.status == AgentStatus.offline or seen is None or now - seen > self.offline_after:
            return AgentStatus.offline
        if now - seen > self.stale_after:
            return AgentStatus.stale
        return AgentStatus.online


def count_by_status(session: Session, *, liveness: Liveness, now: datetime) -> dict[str, int]:
    """How many agents are online, stale and offline now (every status present, maybe 0)."""
    offline = or_(col(Agent.status) == AgentStatus.offline, _late(now - liveness.offline_after))
    shown_status = case(
        (offline, literal(AgentStatus.offline.value)),
        (_late(now - liveness.stale_after), literal(AgentStatus.stale.value)),
        else_=literal(AgentStatus.online.value),
    ).label("shown")
    # Grouped through a subquery: PostgreSQL will not match a CASE with bound parameters
    # in GROUP BY against the same CASE in the select list.
    statuses = select(shown_status).subquery()
    rows = session.exec(select(statuses.c.shown, func.count()).group_by(statuses.c.shown))
    counts = {status.value: 0 for status in AgentStatus}
    counts.update({str(status): int(n) for status, n in rows})
    return counts


def mark_offline(session: Session, *, offline_after: timedelta, now: datetime) -> list[Agent]:
    """Persist `offline` for online agents silent past `offline_after`; returns those it moved.

    Each row moves with a conditional UPDATE, so a heartbeat that lands meanwhile wins and
    concurrent monitors never both report the same transition.
    """
    cutoff = now - offline_after
    online = col(Agent.status) == AgentStatus.online
    candidates = list(
        session.exec(select(Agent).where(online, _late(cutoff)).order_by(col(Agent.id)))
    )
    moved = []
    for agent in candidates:
        result = session.exec(
            update(Agent)
            .where(col(Agent.id) == agent.id, online, _late(cutoff))
            .values(status=AgentStatus.offline)
        )
        if result.rowcount == 1:
            moved.append(agent)
    session.commit()
    for agent in moved:
        session.refresh(agent)
    return moved


def _late(cutoff: datetime) -> ColumnElement[bool]:
    """Never heard from, or last heard from before `cutoff`."""
    seen = col(Agent.last_heartbeat_at)
    return or_(seen.is_(None), seen < cutoff)
