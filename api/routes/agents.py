"""Agents: register, heartbeat, list, show, and the config pushed to each one."""

from fastapi import APIRouter

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.models import (
    AgentConfigPublic,
    AgentConfigUpdate,
    AgentHeartbeat,
    AgentPublic,
    AgentRegister,
    HeartbeatReply,
)
from api.services import agents as agent_service

router = APIRouter(prefix="/agents", tags=["agents"], responses=ERROR_RESPONSES)


@router.post("/register", response_model=AgentPublic)
def register(body: AgentRegister, session: SessionDep) -> AgentPublic:
    """Register an agent (or refresh it on restart); answers with its config version."""
    return AgentPublic.model_validate(agent_service.register_agent(session, body=body))


@router.post("/heartbeat", response_model=HeartbeatReply)
def heartbeat(body: AgentHeartbeat, session: SessionDep) -> HeartbeatReply:
    """Record an agent's status; answers with the config version it should run."""
    agent = agent_service.record_heartbeat(session, body=body)
    if agent is None:
        raise not_found("agent", body.id)
    return HeartbeatReply(config_version=agent.config_version)


@router.get("", response_model=list[AgentPublic])
def list_agents(session: SessionDep) -> list[AgentPublic]:
    """List agents with their last report; silent ones show as offline."""
    return [AgentPublic.model_validate(a) for a in agent_service.list_agents(session)]


@router.get("/{agent_id}", response_model=AgentPublic)
def get_agent(agent_id: str, session: SessionDep) -> AgentPublic:
    """Show one agent: host, roots, labels, spool depth, in flight, last error, events."""
    agent = agent_service.get_agent(session, agent_id=agent_id)
    if agent is None:
        raise not_found("agent", agent_id)
    return AgentPublic.model_validate(agent)


@router.get("/{agent_id}/config", response_model=AgentConfigPublic)
def get_config(agent_id: str, session: SessionDep) -> AgentConfigPublic:
    """The config pushed to an agent and its version (0: nothing pushed yet)."""
    agent = agent_service.get_agent(session, agent_id=agent_id)
    if agent is None:
        raise not_found("agent", agent_id)
    return AgentConfigPublic(agent_id=agent.id, version=agent.config_version, config=agent.config)


@router.put("/{agent_id}/config", response_model=AgentConfigPublic)
def put_config(agent_id: str, body: AgentConfigUpdate, session: SessionDep) -> AgentConfigPublic:
    """Replace an agent's pushed config; bumps the version, the agent applies it live."""
    try:
        agent = agent_service.set_agent_config(session, agent_id=agent_id, config=body.config)
    except agent_service.InvalidAgentConfig as exc:
        raise ApiError(422, "invalid_config", str(exc)) from exc
    if agent is None:
        raise not_found("agent", agent_id)
    return AgentConfigPublic(agent_id=agent.id, version=agent.config_version, config=agent.config)
