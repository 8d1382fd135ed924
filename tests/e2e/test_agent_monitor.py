"""The agent monitor that `sluice worker` starts (one long-lived workflow per task queue):
silent agents go offline once, their channel hears about it once, and a heartbeat brings
them back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowHistory,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from sluice.cli.schedules import (
    agent_monitor_id,
    daily_report_id,
    ensure_schedules,
    remove_schedules,
)
from sluice.monitoring import (
    AgentMonitorInput,
    AgentMonitorLoopInput,
    AgentMonitorResult,
    AgentMonitorStatus,
)
from sluice.settings import Settings
from store.db import make_engine
from store.models import Agent, AgentStatus, utcnow
from tests.e2e.agent_support import eventually
from tests.e2e.flow import keep_history
from tests.peers.chat import WebhookPeer
from workflows.agent_monitor import AgentMonitorLoop

HOUR = timedelta(hours=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings with a channel-secret key, a channel for offline agents, and
    an hourly monitor (the tests trigger its checks themselves)."""
    notifications = settings.notifications.model_validate(
        {"secret_key": "agent monitor test key", "agent_offline_channels": ["ops-hook"]}
    )
    monitor = settings.monitor.model_validate({"interval": 3600})
    return settings.model_copy(update={"notifications": notifications, "monitor": monitor})


@pytest.fixture
async def schedules_removed(settings: Settings, temporal_client: Client) -> AsyncIterator[None]:
    """Stop this test's monitor and delete its schedules afterwards."""
    yield
    await remove_schedules(temporal_client, settings.temporal.task_queue)


async def register(api: httpx.AsyncClient, agent_id: str) -> None:
    body = {"id": agent_id, "hostname": f"{agent_id}.internal", "ip": "10.0.0.7",
            "labels": {"env": "prod"}}  # fmt: skip
    response = await api.post("/api/v1/agents/register", json=body)
    assert response.status_code == 200, response.text


def silence(database: str, agent_id: str, seconds: float) -> None:
    """Backdate the agent's last heartbeat, as if it had stopped reporting."""
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            agent = session.get(Agent, agent_id)
            assert agent is not None
            agent.last_heartbeat_at = utcnow() - timedelta(seconds=seconds)
            session.add(agent)
            session.commit()
    finally:
        engine.dispose()


async def statuses(api: httpx.AsyncClient) -> dict[str, str]:
    return {a["id"]: a["status"] for a in (await api.get("/api/v1/agents")).json()}


async def test_a_silent_agent_goes_offline_once_and_comes_back_with_a_heartbeat(
    database: str,
    settings: Settings,
    central_worker: None,
    schedules_removed: None,
    api: httpx.AsyncClient,
    temporal_client: Client,
    webhook_peer: WebhookPeer,
) -> None:
    channel = {"name": "ops-hook", "type": "webhook", "config": {"url": webhook_peer.url},
               "secrets": {"secret": webhook_peer.secret}}  # fmt: skip
    assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
    await register(api, "web-01")
    await register(api, "web-02")
    monitor = temporal_client.get_workflow_handle(agent_monitor_id(settings.temporal.task_queue))
    await checked(monitor, at_least=1)  # the first check, at start

    silence(database, "web-01", 600)  # offline_after is 90 s
    assert await statuses(api) == {"web-01": "offline", "web-02": "online"}  # shown at once
    result = await check_now(monitor)

    assert result == AgentMonitorResult(went_offline=["web-01"], notified=["ops-hook"])
    (message,) = webhook_peer.accepted
    assert message["event"] == "agent_offline"
    assert message["title"] == "[Sluice] agent offline: web-01"
    assert "**web-01** on web-01.internal (10.0.0.7): no heartbeat for 10" in message["text"]
    (agent,) = message["facts"]["agents"]
    assert (agent["id"], agent["labels"]) == ("web-01", {"env": "prod"})
    (sent,) = (await api.get("/api/v1/notifications")).json()
    assert (sent["event_type"], sent["step"], sent["status"], sent["channel"]) == (
        "agent_offline", "agent_monitor", "sent", "ops-hook",
    )  # fmt: skip
    assert sent["task_id"] is None and sent["count"] == 1

    # the next check finds it offline already: no second message
    assert await check_now(monitor) == AgentMonitorResult(went_offline=[], notified=[])
    assert len(webhook_peer.accepted) == 1

    beat = await api.post("/api/v1/agents/heartbeat", json={"id": "web-01"})
    assert beat.status_code == 200
    assert await statuses(api) == {"web-01": "online", "web-02": "online"}
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            stored = session.get(Agent, "web-01")
            assert stored is not None and stored.status == AgentStatus.online
    finally:
        engine.dispose()

    # the run's history (so far) replays on the current workflow code
    history: WorkflowHistory = await monitor.fetch_history()
    await Replayer(workflows=[AgentMonitorLoop]).replay_workflow(history)
    await keep_history(temporal_client, monitor.id, "agent_monitor_loop_offline")
    # one workflow in the list, however many checks ran
    count = await temporal_client.count_workflows(f"WorkflowId = '{monitor.id}'")
    assert count.count == 1


async def checked(monitor: WorkflowHandle[Any, Any], at_least: int) -> AgentMonitorStatus:
    """The monitor's status once it has run `at_least` checks in this run."""

    async def enough() -> AgentMonitorStatus | None:
        current = await monitor.query(AgentMonitorLoop.status)
        return current if current.checks >= at_least else None

    return await eventually(enough, 30, f"the monitor ran {at_least} checks", every=0.1)


async def check_now(monitor: WorkflowHandle[Any, Any]) -> AgentMonitorResult | None:
    """Signal a check, and its result once it ran."""
    before = (await monitor.query(AgentMonitorLoop.status)).checks
    await monitor.signal(AgentMonitorLoop.check_now)
    return (await checked(monitor, before + 1)).last


async def test_a_late_agent_shows_stale_before_it_goes_offline(
    database: str, api: httpx.AsyncClient
) -> None:
    await register(api, "web-03")
    silence(database, "web-03", 60)  # past stale_after (45 s), within offline_after (90 s)
    assert await statuses(api) == {"web-03": "stale"}
    shown = (await api.get("/api/v1/agents/web-03")).json()
    assert shown["status"] == "stale"


async def test_worker_start_starts_one_monitor_then_reconfigures_it_in_place(
    database: str,
    settings: Settings,
    schedules_removed: None,
    temporal_client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = settings.temporal.task_queue
    # What an earlier worker left: the monitor as a schedule of one-check runs.
    old = ScheduleActionStartWorkflow(
        "AgentMonitorWorkflow", AgentMonitorInput(90.0), id=f"{queue}-old", task_queue=queue
    )
    await temporal_client.create_schedule(
        agent_monitor_id(queue),
        Schedule(action=old, spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=HOUR)])),
    )
    engine = make_engine(database)
    try:
        with caplog.at_level(logging.WARNING, logger="sluice.cli.worker"):
            await ensure_schedules(temporal_client, settings, engine)
        assert "agent_offline_channels names channels that do not exist (yet): ops-hook" in (
            caplog.text
        )
        with pytest.raises(RPCError) as gone:
            await temporal_client.get_schedule_handle(agent_monitor_id(queue)).describe()
        assert gone.value.status == RPCStatusCode.NOT_FOUND
        monitor = temporal_client.get_workflow_handle(agent_monitor_id(queue))
        first = await monitor.describe()
        assert (first.workflow_type, first.status) == (
            "AgentMonitorLoop",
            WorkflowExecutionStatus.RUNNING,
        )
        assert await first.static_summary() == f"agent monitor of task queue {queue}"

        changed = settings.model_copy(
            update={
                "monitor": settings.monitor.model_validate({"interval": 20, "offline_after": 120}),
                "notifications": settings.notifications.model_copy(
                    update={"agent_offline_channels": ["a", "b"],
                            "daily_report_channels": ["ops-report"]}
                ),
            }
        )  # fmt: skip
        await ensure_schedules(temporal_client, changed, engine)  # a restart, new settings
        report = temporal_client.get_schedule_handle(daily_report_id(queue))
        await report.pause(note="paused by an operator")
        await ensure_schedules(temporal_client, changed, engine)  # and another

        again = await monitor.describe()
        assert (again.run_id, again.status) == (first.run_id, WorkflowExecutionStatus.RUNNING)
        configs = await signalled_configs(temporal_client, monitor)
        assert configs[-1] == AgentMonitorLoopInput(
            AgentMonitorInput(offline_after_s=120.0, channels=["a", "b"]), interval_s=20.0
        )
        assert len(configs) == 3  # one per worker start, all to the same run
        state = (await report.describe()).schedule.state
        assert state.paused and state.note == "paused by an operator"

        await ensure_schedules(temporal_client, settings, engine)  # no report channels again
        with pytest.raises(RPCError) as gone:
            await report.describe()
        assert gone.value.status == RPCStatusCode.NOT_FOUND
    finally:
        engine.dispose()


async def signalled_configs(
    client: Client, monitor: WorkflowHandle[Any, Any]
) -> list[AgentMonitorLoopInput]:
    """Each `configure` signal the monitor got, oldest first."""
    configs = []
    async for event in monitor.fetch_history_events():
        attrs = event.workflow_execution_signaled_event_attributes
        if event.HasField("workflow_execution_signaled_event_attributes"):
            (config,) = await client.data_converter.decode(
                attrs.input.payloads, [AgentMonitorLoopInput]
            )
            configs.append(config)
    return configs
