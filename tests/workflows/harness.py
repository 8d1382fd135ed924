"""Run one FileWorkflow against stub activities, and read what it did from its history."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sluice.contracts import FileWorkflowInput, FileWorkflowResult, host_queue
from tests.workflows.stubs import FILE, Stubs
from workflows.file_workflow import FileWorkflow

FileHandle = WorkflowHandle[FileWorkflow, FileWorkflowResult]
# A stub that heartbeats hears of its cancellation within this (the SDK's default is 30 s).
HEARTBEAT_THROTTLE = timedelta(milliseconds=50)


@asynccontextmanager
async def file_run(env: WorkflowEnvironment, stubs: Stubs) -> AsyncIterator[FileHandle]:
    """FileWorkflow started for FILE, with the central and the host worker serving `stubs`
    on task queues of this run's own."""
    run = uuid.uuid4().hex[:12]
    central, host = f"unit-{run}", host_queue(f"unit-{run}")
    async with (
        _worker(env.client, central, stubs.central(), workflows=[FileWorkflow]),
        _worker(env.client, host, stubs.host()),
    ):
        yield await env.client.start_workflow(
            FileWorkflow.run,
            FileWorkflowInput(FILE, host),
            id=f"file-{run}",
            task_queue=central,
        )


def _worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]],
    workflows: Sequence[type] = (),
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=workflows,
        activities=activities,
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
    )


async def failure_of(handle: FileHandle) -> BaseException:
    """What the run failed with (its cause: an ApplicationError, a CancelledError)."""
    try:
        result = await handle.result()
    except WorkflowFailureError as err:
        assert err.cause is not None
        return err.cause
    raise AssertionError(f"the run did not fail: {result}")


async def timers(handle: FileHandle) -> list[float]:
    """The duration in seconds of every timer the run started, in order: what it slept
    (retry delays) or waited at most (approval timeouts), whatever time was skipped."""
    return [
        event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        async for event in handle.fetch_history_events()
        if event.HasField("timer_started_event_attributes")
    ]


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until `check()` holds: something the run does while the test waits outside it."""
    async with asyncio.timeout(within):
        while not check():
            await asyncio.sleep(0.02)
