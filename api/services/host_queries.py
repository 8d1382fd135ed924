"""Ask an agent about its host (HostQueryWorkflow) and wait for the answer.

The workflow runs on the host query queue beside the central task queue, which `sluice worker`
polls; with no worker there nothing would answer until the workflow times out, so a queue no
worker has polled lately is refused at once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError

from sluice.contracts.host_queries import (
    HOST_QUERY_PREFIX,
    HOST_QUERY_WORKFLOW,
    HostAnswer,
    HostQuery,
    host_query_queue,
)


class HostQueryFailed(Exception):
    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class


async def ask_agent(
    client: Client, task_queue: str, agent_id: str, activity: str, arg: dict[str, Any],
    *, pickup_s: float = 10.0, answer_s: float = 20.0,
) -> dict[str, Any]:  # fmt: skip
    """The activity's answer; HostQueryFailed (no_worker, agent_offline, timeout, or the
    activity's error class) otherwise. `task_queue` is the central one."""
    queue = host_query_queue(task_queue)
    if not await worker_polls(client, queue):
        raise HostQueryFailed(
            "no_worker", f"no worker polls task queue {queue!r}: is `sluice worker` running?"
        )
    query = HostQuery(agent_id, activity, arg, pickup_s, answer_s)
    try:
        answer = await client.execute_workflow(
            HOST_QUERY_WORKFLOW, query, result_type=HostAnswer,
            id=f"{HOST_QUERY_PREFIX}{agent_id}-{uuid.uuid4().hex[:12]}", task_queue=queue,
            execution_timeout=timedelta(seconds=pickup_s + answer_s + 30),
        )  # fmt: skip
    except WorkflowFailureError as exc:  # timed out: the worker went away meanwhile
        raise HostQueryFailed("timeout", f"no answer from agent {agent_id}: {exc.cause}") from None
    if answer.value is None:
        raise HostQueryFailed(answer.error_class, answer.error)
    return answer.value


SEEN_FOR_S = 5.0  # a poller seen is trusted this long before Temporal is asked again
_seen: dict[tuple[int, str], float] = {}  # (client, task queue) → seen until


async def worker_polls(client: Client, task_queue: str, *, tries: int = 3) -> bool:
    """Whether a worker has polled `task_queue` lately (Temporal keeps its pollers for a few
    minutes). Asked again after a short pause before saying no, so a worker that is just
    starting counts; an RPC error says yes (the ask itself will tell what is wrong)."""
    key = (id(client), task_queue)
    if _seen.get(key, 0.0) > time.monotonic():
        return True
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    for attempt in range(tries):
        try:
            described = await client.workflow_service.describe_task_queue(request)
        except RPCError:
            return True
        if described.pollers:
            _seen[key] = time.monotonic() + SEEN_FOR_S
            return True
        if attempt + 1 < tries:
            await asyncio.sleep(0.5)
    return False
