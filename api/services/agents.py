"""Agents: registration, heartbeats, liveness, and the config the control plane pushes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, delete, select

from api.services.tokens import live_named, mark_revoked
from sluice.settings import AgentSettings
from store.agents import Liveness
from store.models import (
    Agent,
    AgentConfigVersion,
    AgentHeartbeat,
    AgentPublic,
    AgentRegister,
    AgentStatus,
    Role,
    utcnow,
)


class InvalidAgentConfig(ValueError):
    """A pushed config with unknown keys or values an agent would refuse."""


class AgentStillReporting(Exception):
    """An agent that still heartbeats would register again at once: it is not removed."""


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


def set_agent_config(
    session: Session, *, agent_id: str, config: dict[str, Any], by: str = ""
) -> Agent | None:
    """Replace the agent's pushed config and bump its version, keeping the new version in its
    history (pushed `by` a token's name); None if no such agent."""
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
    session.add(
        AgentConfigVersion(
            agent_id=agent.id, version=agent.config_version, config=config, created_by=by
        )
    )
    session.commit()
    session.refresh(agent)
    return agent


def config_versions(session: Session, *, agent_id: str) -> list[AgentConfigVersion]:
    """The agent's pushed configs, newest first."""
    query = (
        select(AgentConfigVersion)
        .where(AgentConfigVersion.agent_id == agent_id)
        .order_by(col(AgentConfigVersion.version).desc())
    )
    return list(session.exec(query))


def remove_agent(
    session: Session, *, agent_id: str, liveness: Liveness, revoke_tokens: bool = True
) -> list[int] | None:
    """Forget a decommissioned agent: its row and pushed config versions go, its tasks, file
    events and alerts stay as history, and (unless told otherwise) its agent tokens are
    revoked so a forgotten copy cannot register it again. Answers the revoked token ids; None
    if there is no such agent; AgentStillReporting unless it shows offline."""
    agent = session.get(Agent, agent_id)
    if agent is None:
        return None
    status = liveness.status(agent, utcnow())
    if status != AgentStatus.offline:
        seen = agent.last_heartbeat_at.isoformat() if agent.last_heartbeat_at else "never"
        raise AgentStillReporting(
            f"agent {agent_id} is {status.value} (last heartbeat {seen}); stop `sluice agent` "
            f"on {agent.hostname}, then remove it once it shows offline (no heartbeat for "
            f"{liveness.offline_after.total_seconds():g}s)"
        )
    revoked = []
    if revoke_tokens:
        for token in live_named(session, agent_id):
            if token.role == Role.agent and token.id is not None:
                mark_revoked(session, token_id=token.id)
                revoked.append(token.id)
    session.exec(delete(AgentConfigVersion).where(col(AgentConfigVersion.agent_id) == agent_id))
    session.delete(agent)
    session.commit()
    return revoked
