"""Helpers for tests of the scheduled workflows: wait for a schedule, run it now, await it."""

from __future__ import annotations

import asyncio
from typing import TypeVar

from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleDescription,
    ScheduleHandle,
    WorkflowHistory,
)
from temporalio.service import RPCError, RPCStatusCode

T = TypeVar("T")


async def created_schedule(
    client: Client, schedule_id: str, within: float = 30.0
) -> ScheduleHandle:
    """The schedule once the worker has created it."""
    handle = client.get_schedule_handle(schedule_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            await handle.describe()
            return handle
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND or loop.time() > deadline:
                raise
        await asyncio.sleep(0.2)


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
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (new := _started(await handle.describe()) - before):
        assert loop.time() < deadline, "the schedule did not start a run"
        await asyncio.sleep(0.2)
    ((workflow_id, run_id),) = new
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
