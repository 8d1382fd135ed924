"""HostQueryWorkflow: one activity on an agent's host queue, for the API (host views: files,
tail, search, resources). An agent that does not pick the task up within `pickup_s` is
offline; the answer says so instead of failing, so the API can answer a clear 503."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType

with workflow.unsafe.imports_passed_through():
    from sluice.contracts.files import host_queue
    from sluice.contracts.host_queries import HOST_QUERY_WORKFLOW, HostAnswer, HostQuery


@workflow.defn(name=HOST_QUERY_WORKFLOW)
class HostQueryWorkflow:
    @workflow.run
    async def run(self, query: HostQuery) -> HostAnswer:
        try:
            value: dict[str, Any] = await workflow.execute_activity(
                query.activity, query.arg, result_type=dict,
                task_queue=host_queue(query.agent_id),
                schedule_to_start_timeout=timedelta(seconds=query.pickup_s),
                start_to_close_timeout=timedelta(seconds=query.answer_s),
                retry_policy=RetryPolicy(maximum_attempts=1),
                summary=f"{query.activity} on {query.agent_id}",
            )  # fmt: skip
        except ActivityError as exc:
            return _failed(query, exc.cause)
        return HostAnswer(value)


def _failed(query: HostQuery, cause: BaseException | None) -> HostAnswer:
    if isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_START:
        return HostAnswer(None, f"agent {query.agent_id} did not answer: is it running?",
                          "agent_offline")  # fmt: skip
    if isinstance(cause, TimeoutError):
        return HostAnswer(None, f"{query.activity} took longer than {query.answer_s:g}s",
                          "timeout")  # fmt: skip
    if isinstance(cause, ApplicationError):
        return HostAnswer(None, cause.message, cause.type or "error")
    return HostAnswer(None, str(cause), "error")
