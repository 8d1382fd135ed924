"""Agents: registration, heartbeats, liveness, and the config the control plane pushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal, or_, update
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, case, col, select

from api.models import Agent, AgentHeartbeat, AgentPublic, AgentRegister, AgentStatus, utcnow
from sluice.settings import AgentSettings, MonitorSettings


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


class InvalidAgentConfig(ValueError):
    """A pushed config with unknown keys or values an agent would refuse."""


def register_agent(session: Session, *, body: AgentRegister) -> Agent:
    """Create or refresh the agent row; its pushed config and version are kept."""
    agent = session.get(Agent, body.id)
    if agent is None:
        agent = Agent(id=body.id, hostname=body.hostname)
    agent.hostname, agent.ip, agent.version = body.hostname, body.ip, body.version
    agent.labels, agent.roots = dict(body.labels), list(body.roots)
    agent.applied_config_version = body.applied_config_version
    agent.status = AgentStatus.online
    agent.last_heartbeat_at = utcnow()
    session.add(agent)
    session.commit()
    session.refresh(agent)
    return agent


def record_heartbeat(session: Session, *, body: AgentHeartbeat) -> Agent | None:
    """Store the agent's report; None if it never registered (it should register again)."""
    agent = session.get(Agent, body.id)
    if agent is None:
        return None
    agent.spool_depth, agent.in_flight = body.spool_depth, body.in_flight
    agent.last_error = body.last_error[:2000]
    agent.applied_config_version = body.config_version
    agent.events = list(body.events)[-20:]
    agent.status = AgentStatus.online
    # Written even when it reads online: the monitor may mark it offline meanwhile.
    flag_modified(agent, "status")
    agent.last_heartbeat_at = utcnow()
    session.add(agent)
    session.commit()
    session.refresh(agent)
    return agent


def list_agents(session: Session, *, liveness: Liveness) -> list[AgentPublic]:
    """Every agent, with the status its heartbeat lag gives it now."""
    now = utcnow()
    agents = session.exec(select(Agent).order_by(col(Agent.id)))
    return [shown(agent, liveness=liveness, now=now) for agent in agents]


def get_agent(session: Session, *, agent_id: str) -> Agent | None:
    return session.get(Agent, agent_id)


def shown(agent: Agent, *, liveness: Liveness, now: datetime | None = None) -> AgentPublic:
    """The agent as the API shows it: its status from the heartbeat lag (not persisted)."""
    public = AgentPublic.model_validate(agent)
    public.status = liveness.status(agent, now or utcnow())
    return public


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


def set_agent_config(session: Session, *, agent_id: str, config: dict[str, Any]) -> Agent | None:
    """Replace the agent's pushed config and bump its version; None if no such agent."""
    unknown = set(config) - AgentSettings.LIVE_KEYS
    if unknown:
        raise InvalidAgentConfig(
            f"unknown or not pushable keys {sorted(unknown)}; allowed: "
            f"{sorted(AgentSettings.LIVE_KEYS)}"
        )
    try:
        AgentSettings(id="check", **config)
    except ValueError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
            for e in getattr(exc, "errors", lambda: [])()
        )
        raise InvalidAgentConfig(problems or str(exc)) from None
    agent = session.get(Agent, agent_id)
    if agent is None:
        return None
    agent.config = config
    agent.config_version += 1
    session.add(agent)
    session.commit()
    session.refresh(agent)
    return agent


def _late(cutoff: datetime) -> ColumnElement[bool]:
    """Never heard from, or last heard from before `cutoff`."""
    seen = col(Agent.last_heartbeat_at)
    return or_(seen.is_(None), seen < cutoff)
