"""What `sluice worker` brings in line with its settings each time it starts: the agent
monitor (always: one long-lived workflow) and the daily report schedule (while it has
channels).

Both are idempotent: the running monitor is re-configured by a signal (signal-with-start),
and an existing schedule is updated in place, keeping its state, so a schedule an operator
paused in the Temporal UI stays paused across worker restarts. Ids start with the task
queue (`sluice-agent-monitor`, `sluice-daily-report` by default), so Sluice installations
sharing a namespace on separate queues do not overwrite each other.

The monitor was a schedule that started a workflow every `monitor.interval` (2,880 a day
in the Temporal UI's list); a worker start deletes that schedule if it is still there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import timedelta

from sqlalchemy import Engine
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.monitor import unknown_channels
from sluice.monitoring import AgentMonitorInput, AgentMonitorLoopInput, DailyReportInput
from sluice.settings import Settings

log = logging.getLogger("sluice.cli.worker")

REPORT_RUN_TIMEOUT = timedelta(hours=1)
REPORT_CATCHUP = timedelta(hours=12)  # a missed report is still worth sending, within a day


def agent_monitor_id(task_queue: str) -> str:
    return f"{task_queue}-agent-monitor"


def daily_report_id(task_queue: str) -> str:
    return f"{task_queue}-daily-report"


def agent_monitor_config(settings: Settings) -> AgentMonitorLoopInput:
    """Every `monitor.interval`: mark silent agents offline, tell the offline channels."""
    check = AgentMonitorInput(
        offline_after_s=settings.monitor.offline_after,
        channels=list(settings.notifications.agent_offline_channels),
    )
    return AgentMonitorLoopInput(check=check, interval_s=settings.monitor.interval)


async def ensure_agent_monitor(client: Client, settings: Settings) -> None:
    """Start the queue's monitor, or send the running one the current settings."""
    queue, config = settings.temporal.task_queue, agent_monitor_config(settings)
    await remove_schedule(client, agent_monitor_id(queue))  # the former design's
    handle = await client.start_workflow(
        "AgentMonitorLoop",
        config,
        id=agent_monitor_id(queue),
        task_queue=queue,
        start_signal="configure",
        start_signal_args=[config],
        static_summary=f"agent monitor of task queue {queue}",
        static_details=(
            f"Checks agents' heartbeats every {config.interval_s:g}s; marks an agent offline "
            f"after {config.check.offline_after_s:g}s of silence and tells "
            f"{', '.join(config.check.channels) or 'no channel'}. Continues as new every "
            "few hundred checks; a worker start re-configures it."
        ),
    )
    log.info("agent monitor %s running (every %gs)", handle.id, config.interval_s)


async def stop_agent_monitor(client: Client, task_queue: str) -> None:
    """Terminate the queue's monitor if it runs."""
    try:
        await client.get_workflow_handle(agent_monitor_id(task_queue)).terminate("removed")
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise


def daily_report_schedule(settings: Settings) -> Schedule:
    """Daily at `reports.daily_at` in `reports.time_zone`: yesterday's report to its channels."""
    queue, cfg = settings.temporal.task_queue, settings.reports
    hour, minute = cfg.hour_minute
    inp = DailyReportInput(
        channels=list(settings.notifications.daily_report_channels),
        time_zone=cfg.time_zone,
        stuck_after_s=cfg.stuck_after,
        top=cfg.top,
    )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            "DailyReportWorkflow",
            inp,
            id=daily_report_id(queue),
            task_queue=queue,
            execution_timeout=REPORT_RUN_TIMEOUT,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=(ScheduleRange(hour),),
                    minute=(ScheduleRange(minute),),
                    comment=f"daily at {cfg.daily_at}",
                )
            ],
            time_zone_name=cfg.time_zone,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=REPORT_CATCHUP),
    )


async def ensure_schedules(client: Client, settings: Settings, engine: Engine) -> None:
    """Start or re-configure the monitor; create or update the daily report's schedule, or
    drop it when it has no channels."""
    queue = settings.temporal.task_queue
    await ensure_agent_monitor(client, settings)
    if settings.notifications.daily_report_channels:
        await upsert_schedule(client, daily_report_id(queue), daily_report_schedule(settings))
    else:
        await remove_schedule(client, daily_report_id(queue))
    notifications = settings.notifications
    for key, names in (
        ("agent_offline_channels", notifications.agent_offline_channels),
        ("daily_report_channels", notifications.daily_report_channels),
    ):
        missing = await asyncio.to_thread(unknown_channels, engine, names)
        if missing:
            log.warning(
                "notifications.%s names channels that do not exist (yet): %s; "
                "create them with POST /api/v1/channels",
                key,
                ", ".join(missing),
            )


async def upsert_schedule(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Create `schedule`, or replace an existing one's action, spec and policy."""
    try:
        await client.create_schedule(schedule_id, schedule)
        log.info("created schedule %s", schedule_id)
        return
    except ScheduleAlreadyRunningError:
        pass

    def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
        state = current.description.schedule.state
        return ScheduleUpdate(schedule=dataclasses.replace(schedule, state=state))

    await client.get_schedule_handle(schedule_id).update(keep_state)
    log.info("updated schedule %s", schedule_id)


async def remove_schedule(client: Client, schedule_id: str) -> None:
    """Delete a schedule if it exists."""
    try:
        await client.get_schedule_handle(schedule_id).delete()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        return
    log.info("removed schedule %s", schedule_id)


async def remove_schedules(client: Client, task_queue: str) -> None:
    """Stop the monitor and delete the schedules of `task_queue` (for tests, and for
    decommissioning a queue)."""
    await stop_agent_monitor(client, task_queue)
    await remove_schedule(client, agent_monitor_id(task_queue))
    await remove_schedule(client, daily_report_id(task_queue))
