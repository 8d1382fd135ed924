"""Helpers for tests of the scheduled workflows: wait for a schedule, run it now, await it."""

from __future__ import annotations

from typing import TypeVar

from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleDescription,
    ScheduleHandle,
    WorkflowHistory,
)
from temporalio.service import RPCError, RPCStatusCode

from tests.e2e.agent_support import eventually

T = TypeVar("T")


async def created_schedule(
    client: Client, schedule_id: str, within: float = 30.0
) -> ScheduleHandle:
    """The schedule once the worker has created it."""
    handle = client.get_schedule_handle(schedule_id)

    async def exists() -> bool:
        try:
            await handle.describe()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            return False
        return True

    await eventually(exists, within, f"schedule {schedule_id} created")
    return handle


async def quiet(client: Client, handle: ScheduleHandle) -> None:
    """Pause the schedule and wait for any run it already started, so only triggers run."""
    await handle.pause(note="paused by a test")
    for action in (await handle.describe()).info.running_actions:
        if isinstance(action, ScheduleActionExecutionStartWorkflow):
            await client.get_workflow_handle(action.workflow_id).result()


async def run_now(
    client: Client, handle: ScheduleHandle, result_type: type[T], within: float = 60.0
) -> tuple[T, str, str]:
    """Trigger one run (a paused schedule runs too) and return its result, id and run id."""
    before = _started(await handle.describe())
    await handle.trigger()

    async def new_runs() -> set[tuple[str, str]]:
        return _started(await handle.describe()) - before

    ((workflow_id, run_id),) = await eventually(new_runs, within, "the schedule started a run")
    result = await client.get_workflow_handle(
        workflow_id, run_id=run_id, result_type=result_type
    ).result()
    return result, workflow_id, run_id


async def history_of(client: Client, workflow_id: str, run_id: str) -> WorkflowHistory:
    return await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()


def _started(description: ScheduleDescription) -> set[tuple[str, str]]:
    return {
        (a.action.workflow_id, a.action.first_execution_run_id)
        for a in description.info.recent_actions
        if isinstance(a.action, ScheduleActionExecutionStartWorkflow)
    }
