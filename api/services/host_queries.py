"""Ask an agent about its host (HostQueryWorkflow) and wait for the answer."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio.client import Client

from sluice.contracts.host_queries import (
    HOST_QUERY_PREFIX,
    HOST_QUERY_WORKFLOW,
    HostAnswer,
    HostQuery,
)


class HostQueryFailed(Exception):
    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class


async def ask_agent(
    client: Client, task_queue: str, agent_id: str, activity: str, arg: dict[str, Any],
    *, pickup_s: float = 10.0, answer_s: float = 20.0,
) -> dict[str, Any]:  # fmt: skip
    """The activity's answer; HostQueryFailed (agent_offline, timeout, or the activity's
    error class) otherwise."""
    query = HostQuery(agent_id, activity, arg, pickup_s, answer_s)
    answer = await client.execute_workflow(
        HOST_QUERY_WORKFLOW, query, result_type=HostAnswer,
        id=f"{HOST_QUERY_PREFIX}{agent_id}-{uuid.uuid4().hex[:12]}", task_queue=task_queue,
        execution_timeout=timedelta(seconds=pickup_s + answer_s + 30),
    )  # fmt: skip
    if answer.value is None:
        raise HostQueryFailed(answer.error_class, answer.error)
    return answer.value
