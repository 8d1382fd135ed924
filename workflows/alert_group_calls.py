"""How AlertGroupWorkflow calls its activities: timeouts, retries, and which run local."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

# A flush or a step that cannot reach the database keeps trying; channels' own failures
# are recorded by the activity, which retries only when no channel was reached.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5)
)
ACTIVITY_TIMEOUT = timedelta(minutes=2)  # sends: every channel of the route, each may be slow
# Database-only steps: short, so one a killed worker held is retried elsewhere in seconds.
DB_ACTIVITY_TIMEOUT = timedelta(seconds=20)
T = TypeVar("T")


async def call(
    activity: str, arg: object, result_type: type[T], limit: timedelta = ACTIVITY_TIMEOUT
) -> T:
    return await workflow.execute_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=limit,
        retry_policy=ACTIVITY_RETRY,
    )


async def local(activity: str, arg: object, result_type: type[T]) -> T:
    """A database-only step as a local activity: recorded in the workflow task that ran it,
    with no activity task of its own for Temporal to schedule and dispatch."""
    return await workflow.execute_local_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=DB_ACTIVITY_TIMEOUT,
        retry_policy=ACTIVITY_RETRY,
    )
