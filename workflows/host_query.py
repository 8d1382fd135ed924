"""HostQueryWorkflow: one activity on an agent, for the API. Host views (files, tail, follow,
search, resources) run on the agent's view queue, with their own small slot budget; anything
else (terminating a process) on its host queue. An agent that does not pick the task up within
`pickup_s` is offline (or its view slots are all busy); the answer says so instead of failing,
so the API can answer a clear 503."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType

with workflow.unsafe.imports_passed_through():
    from sluice.contracts.files import host_queue
    from sluice.contracts.host_queries import (
        HOST_QUERY_WORKFLOW,
        HOST_VIEW_ACTIVITIES,
        HostAnswer,
        HostQuery,
        host_view_queue,
    )


@workflow.defn(name=HOST_QUERY_WORKFLOW)
class HostQueryWorkflow:
    @workflow.run
    async def run(self, query: HostQuery) -> HostAnswer:
        try:
            value: dict[str, Any] = await workflow.execute_activity(
                query.activity, query.arg, result_type=dict,
                task_queue=_queue(query),
                schedule_to_start_timeout=timedelta(seconds=query.pickup_s),
                start_to_close_timeout=timedelta(seconds=query.answer_s),
                retry_policy=RetryPolicy(maximum_attempts=1),
                summary=f"{query.activity} on {query.agent_id}",
            )  # fmt: skip
        except ActivityError as exc:
            return _failed(query, exc.cause)
        return HostAnswer(value)


def _queue(query: HostQuery) -> str:
    if query.activity in HOST_VIEW_ACTIVITIES:
        return host_view_queue(query.agent_id)
    return host_queue(query.agent_id)


def _failed(query: HostQuery, cause: BaseException | None) -> HostAnswer:
    if isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_START:
        busy = " (or are its view slots busy?)" if query.activity in HOST_VIEW_ACTIVITIES else ""
        return HostAnswer(None, f"agent {query.agent_id} did not answer: is it running{busy}?",
                          "agent_offline")  # fmt: skip
    if isinstance(cause, TimeoutError):
        return HostAnswer(None, f"{query.activity} took longer than {query.answer_s:g}s",
                          "timeout")  # fmt: skip
    if isinstance(cause, ApplicationError):
        return HostAnswer(None, cause.message, cause.type or "error")
    return HostAnswer(None, str(cause), "error")
