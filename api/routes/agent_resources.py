"""An agent's host resources, and terminating a process there (admin, confirmed, audited).

Both go through the agent's host queue (HostQueryWorkflow): the API never reaches the host.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, ValidationError
from temporalio.client import WorkflowFailureError
from temporalio.service import RPCError

from api.auth import require
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.services import agents as agent_service
from api.services.host_queries import HostQueryFailed, ask_agent
from sluice.host_resources import HostResources, Terminated
from store.models import AgentStatus, Role, utcnow

M = TypeVar("M", bound=BaseModel)
Pid = Annotated[int, Path(ge=0, le=2**31 - 1)]

router = APIRouter(prefix="/agents", tags=["agents"], responses=ERROR_RESPONSES)

AS_READER = [Depends(require(Role.operator, Role.viewer))]
AS_ADMIN = [Depends(require())]

# A read answers from memory: an agent that has not taken it within 4 s is offline (or
# every one of its activity slots is busy uploading). Viewers of one agent within
# SHARED_FOR_S share one question, so a crowd of consoles costs the agent one answer.
SHARED_FOR_S = 2.0
_recent: dict[tuple[int, str, str], tuple[float, asyncio.Future[dict[str, Any]]]] = {}

# The agent's refusals (its ApplicationError types) as HTTP.
REFUSALS = {
    "agent_offline": 503, "no_worker": 503, "timeout": 504, "terminate_disabled": 403,
    "protected": 403, "not_allowed": 403, "access_denied": 403, "no_such_process": 404,
    "name_mismatch": 409,
}  # fmt: skip


class TerminateRequest(BaseModel):
    confirm_name: str = Field(min_length=1, max_length=256,
                              description="The process's name, typed by the operator")  # fmt: skip


@router.get("/{agent_id}/resources", response_model=HostResources, dependencies=AS_READER)
async def get_resources(
    agent_id: str, session: SessionDep, settings: SettingsDep, temporal: TemporalDep
) -> HostResources:
    """The host's latest resource sample and its short history, as the agent has them."""
    _known(session, settings, agent_id)
    return await _resources(temporal, settings.temporal.task_queue, agent_id)


async def _resources(temporal: TemporalDep, queue: str, agent_id: str) -> HostResources:
    """The agent's resources, asked once per SHARED_FOR_S however many ask."""
    key = (id(asyncio.get_running_loop()), queue, agent_id)  # a future is its loop's own
    shared = _recent.get(key)
    if shared is None or shared[0] < time.monotonic():
        ask = _ask(temporal, queue, agent_id, "host_resources", {}, pickup_s=4.0, answer_s=4.0)
        shared = (time.monotonic() + SHARED_FOR_S, asyncio.ensure_future(ask))
        _recent[key] = shared
        shared[1].add_done_callback(lambda task: _forget_failed(key, task))
    answer = await asyncio.shield(shared[1])
    return _parsed(HostResources, answer, agent_id)


def _forget_failed(key: tuple[int, str, str], task: asyncio.Future[dict[str, Any]]) -> None:
    failed = task.cancelled() or task.exception() is not None
    if failed and key in _recent and _recent[key][1] is task:
        del _recent[key]


@router.post(
    "/{agent_id}/processes/{pid}:terminate", response_model=Terminated, dependencies=AS_ADMIN
)
async def terminate_process(
    agent_id: str, pid: Pid, body: TerminateRequest, session: SessionDep, settings: SettingsDep,
    temporal: TemporalDep,
) -> Terminated:  # fmt: skip
    """SIGTERM a process on the host, if the agent allows it; `confirm_name` must be its name."""
    _known(session, settings, agent_id)
    queue = settings.temporal.task_queue
    # A quick read first: an agent (or worker) that is not there is a 503 within seconds,
    # and one that does not allow terminating is refused without asking it to.
    if not (await _resources(temporal, queue, agent_id)).terminate.enabled:
        message = "terminating processes is disabled on this agent"
        raise ApiError(403, "terminate_disabled", message)
    arg = {"pid": pid, "confirm_name": body.confirm_name}
    answer = await _ask(temporal, queue, agent_id, "terminate_process", arg, answer_s=90.0)
    return _parsed(Terminated, answer, agent_id)


def _parsed(model: type[M], answer: dict[str, Any], agent_id: str) -> M:
    """The agent's answer as `model`; 502 if it is not one (an agent of another version)."""
    try:
        return model.model_validate(answer)
    except ValidationError as exc:
        message = f"agent {agent_id} answered something else: {exc.error_count()} problems"
        raise ApiError(502, "bad_answer", message) from None


def _known(session: SessionDep, settings: SettingsDep, agent_id: str) -> None:
    """404 for an unknown agent; 503 at once for one whose heartbeats have stopped (one that
    is late may still answer: the host queue decides)."""
    agent = agent_service.get_agent(session, agent_id=agent_id)
    if agent is None:
        raise not_found("agent", agent_id)
    status = agent_service.Liveness.of(settings.monitor).status(agent, utcnow())
    if status == AgentStatus.offline:
        raise ApiError(503, "agent_offline", f"agent {agent_id} is offline (no heartbeats)")


async def _ask(
    temporal: TemporalDep, queue: str, agent_id: str, activity: str, arg: dict[str, Any],
    *, pickup_s: float = 10.0, answer_s: float = 20.0,
) -> dict[str, Any]:  # fmt: skip
    try:
        return await asyncio.wait_for(
            ask_agent(temporal, queue, agent_id, activity, arg, pickup_s=pickup_s,
                      answer_s=answer_s),
            timeout=pickup_s + answer_s,
        )  # fmt: skip
    except TimeoutError:  # the workflow itself never ran: no central worker on the queue
        message = f"no answer within {pickup_s + answer_s:g}s: is `sluice worker` running?"
        raise ApiError(503, "no_answer", message) from None
    except HostQueryFailed as exc:
        status = REFUSALS.get(exc.error_class, 502)
        raise ApiError(status, exc.error_class, str(exc)) from None
    except (RPCError, WorkflowFailureError) as exc:
        raise ApiError(503, "temporal_unavailable", f"Temporal: {exc}") from None
