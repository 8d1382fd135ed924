"""Agents: register, heartbeat, list, show, remove, and the config pushed to each one."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import PrincipalDep, require, require_own_agent
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.services import agents as agent_service
from store.models import (
    AgentConfigPublic,
    AgentConfigUpdate,
    AgentConfigVersionPublic,
    AgentHeartbeat,
    AgentPublic,
    AgentRegister,
    HeartbeatReply,
    Role,
)

router = APIRouter(prefix="/agents", tags=["agents"], responses=ERROR_RESPONSES)

# Agents speak for themselves (an agent token is named after its agent); people read.
AS_AGENT = [Depends(require(Role.agent))]
AS_READER = [Depends(require(Role.operator, Role.viewer))]
AS_ADMIN = [Depends(require())]


@router.post("/register", response_model=AgentPublic, dependencies=AS_AGENT)
def register(body: AgentRegister, session: SessionDep, principal: PrincipalDep) -> AgentPublic:
    """Register an agent (or refresh it on restart); answers with its config version."""
    require_own_agent(principal, body.id)
    return AgentPublic.model_validate(agent_service.register_agent(session, body=body))


@router.post("/heartbeat", response_model=HeartbeatReply, dependencies=AS_AGENT)
def heartbeat(body: AgentHeartbeat, session: SessionDep, principal: PrincipalDep) -> HeartbeatReply:
    """Record an agent's status; answers with the config version it should run."""
    require_own_agent(principal, body.id)
    agent = agent_service.record_heartbeat(session, body=body)
    if agent is None:
        raise not_found("agent", body.id)
    return HeartbeatReply(config_version=agent.config_version)


@router.get("", response_model=list[AgentPublic], dependencies=AS_READER)
def list_agents(session: SessionDep, settings: SettingsDep) -> list[AgentPublic]:
    """List agents with their last report and status: online, stale (late) or offline."""
    liveness = agent_service.Liveness.of(settings.monitor)
    return agent_service.list_agents(session, liveness=liveness)


@router.get("/{agent_id}", response_model=AgentPublic, dependencies=AS_READER)
def get_agent(agent_id: str, session: SessionDep, settings: SettingsDep) -> AgentPublic:
    """Show one agent: host, roots, labels, status, spool depth, in flight, last error, events."""
    agent = agent_service.get_agent(session, agent_id=agent_id)
    if agent is None:
        raise not_found("agent", agent_id)
    return agent_service.shown(agent, liveness=agent_service.Liveness.of(settings.monitor))


class AgentRemoved(BaseModel):
    id: str
    revoked_token_ids: list[int]


@router.delete(
    "/{agent_id}",
    response_model=AgentRemoved,
    dependencies=AS_ADMIN,
    responses={409: {"model": ErrorBody, "description": "`agent_online`: it still reports"}},
)
def remove_agent(
    agent_id: str,
    session: SessionDep,
    settings: SettingsDep,
    revoke_tokens: Annotated[
        bool, Query(description="Also revoke the agent's tokens (named after it).")
    ] = True,
) -> AgentRemoved:
    """Forget a decommissioned agent that shows offline: it leaves the list and the agent
    counts; its tasks, file history and alerts stay. Its agent tokens are revoked too."""
    try:
        revoked = agent_service.remove_agent(
            session,
            agent_id=agent_id,
            liveness=agent_service.Liveness.of(settings.monitor),
            revoke_tokens=revoke_tokens,
        )
    except agent_service.AgentStillReporting as exc:
        raise ApiError(409, "agent_online", str(exc)) from None
    if revoked is None:
        raise not_found("agent", agent_id)
    return AgentRemoved(id=agent_id, revoked_token_ids=revoked)


@router.get(
    "/{agent_id}/config",
    response_model=AgentConfigPublic,
    dependencies=[Depends(require(Role.operator, Role.viewer, Role.agent))],
)
def get_config(agent_id: str, session: SessionDep, principal: PrincipalDep) -> AgentConfigPublic:
    """The config pushed to an agent and its version (0: nothing pushed yet)."""
    require_own_agent(principal, agent_id)
    agent = agent_service.get_agent(session, agent_id=agent_id)
    if agent is None:
        raise not_found("agent", agent_id)
    return AgentConfigPublic(agent_id=agent.id, version=agent.config_version, config=agent.config)


@router.put("/{agent_id}/config", response_model=AgentConfigPublic, dependencies=AS_ADMIN)
def put_config(
    agent_id: str, body: AgentConfigUpdate, session: SessionDep, principal: PrincipalDep
) -> AgentConfigPublic:
    """Replace an agent's pushed config; bumps the version, the agent applies it live."""
    try:
        agent = agent_service.set_agent_config(
            session, agent_id=agent_id, config=body.config, by=principal.name
        )
    except agent_service.InvalidAgentConfig as exc:
        raise ApiError(422, "invalid_config", str(exc)) from exc
    if agent is None:
        raise not_found("agent", agent_id)
    return AgentConfigPublic(agent_id=agent.id, version=agent.config_version, config=agent.config)


@router.get(
    "/{agent_id}/config/versions",
    response_model=list[AgentConfigVersionPublic],
    dependencies=AS_READER,
)
def list_config_versions(agent_id: str, session: SessionDep) -> list[AgentConfigVersionPublic]:
    """Every config pushed to an agent, newest first, with who pushed it and when."""
    if agent_service.get_agent(session, agent_id=agent_id) is None:
        raise not_found("agent", agent_id)
    return [
        AgentConfigVersionPublic.model_validate(row, from_attributes=True)
        for row in agent_service.config_versions(session, agent_id=agent_id)
    ]
