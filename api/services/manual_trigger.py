"""Manual triggers: start ManualTriggerWorkflow for a path on an agent, wait a bounded time.

The path is checked against the agent's registered roots here (`..` and paths outside every
root are refused before anything starts); the host checks it again, symlinks included, when
it stats the file (activities/stat.py).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from sluice.contracts import host_queue
from sluice.manual import (
    MANUAL_TRIGGER_WORKFLOW,
    REFUSED,
    ManualTarget,
    ManualTriggerInput,
    ManualTriggerResult,
)
from store.models import Agent

TRIGGER_PREFIX = "manual-"


@dataclass(frozen=True)
class TriggerState:
    """A trigger and, once the agent has answered, what came of it (None until then)."""

    trigger_id: str
    agent_id: str
    root: str
    rel_path: str
    result: ManualTriggerResult | None


async def trigger_file(
    client: Client, *, agent: Agent, target: ManualTarget, task_queue: str, wait: float
) -> TriggerState:
    """Start the trigger on `task_queue`; its result if it settles within `wait` seconds."""
    inp = ManualTriggerInput(
        agent_id=agent.id,
        host=agent.hostname,
        root=target.root,
        rel_path=target.rel_path,
        host_queue=host_queue(agent.id),
        task_queue=task_queue,
    )
    trigger_id = f"{TRIGGER_PREFIX}{uuid.uuid4().hex}"
    handle = await client.start_workflow(
        MANUAL_TRIGGER_WORKFLOW,
        inp,
        result_type=ManualTriggerResult,
        id=trigger_id,
        task_queue=task_queue,
        memo={"agent_id": agent.id, "root": target.root, "rel_path": target.rel_path},
    )
    try:
        result = await asyncio.wait_for(_settled(handle), timeout=wait)
    except TimeoutError:
        result = None
    return TriggerState(trigger_id, agent.id, target.root, target.rel_path, result)


async def trigger_state(client: Client, trigger_id: str) -> TriggerState | None:
    """Where a trigger is now; None if there is no such trigger."""
    if not trigger_id.startswith(TRIGGER_PREFIX):
        return None
    handle = client.get_workflow_handle(trigger_id, result_type=ManualTriggerResult)
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    if described.workflow_type != MANUAL_TRIGGER_WORKFLOW:
        return None
    memo = await described.memo()
    running = described.status == WorkflowExecutionStatus.RUNNING
    return TriggerState(
        trigger_id,
        str(memo.get("agent_id", "")),
        str(memo.get("root", "")),
        str(memo.get("rel_path", "")),
        None if running else await _settled(handle),
    )


async def _settled(
    handle: WorkflowHandle[Any, ManualTriggerResult],
) -> ManualTriggerResult:
    """The trigger's result; a trigger that failed outright (terminated, say) is a refusal."""
    try:
        return await handle.result()
    except WorkflowFailureError as exc:
        return ManualTriggerResult(REFUSED, error_class="unknown", error=str(exc.cause or exc))
