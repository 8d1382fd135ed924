"""Best-effort sends of a task-less event (agent offline, daily report) to its channels."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.monitor import MonitorActivities
    from sluice.monitoring import EventNotice

SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=4,
)


async def send_each(
    channels: list[str], event: str, step: str, values: dict[str, Any], count: int = 1
) -> list[str]:
    """Send to every channel at once; the channels that took the message.

    One activity per channel, so a retry never repeats a channel that already got it; a
    channel that stays down is recorded as `failed` in `notifications` and does not stop
    the others.
    """
    notices = [EventNotice(channel, event, step, values, count) for channel in channels]
    outcomes = await asyncio.gather(*(_send(notice) for notice in notices))
    return [notice.channel for notice, sent in zip(notices, outcomes, strict=True) if sent]


async def _send(notice: EventNotice) -> bool:
    try:
        await workflow.execute_activity_method(
            MonitorActivities.send_event,
            notice,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=SEND_RETRY,
        )
    except ActivityError as err:
        workflow.logger.warning("%s to %s not sent: %s", notice.event, notice.channel, err.cause)
        return False
    return True
