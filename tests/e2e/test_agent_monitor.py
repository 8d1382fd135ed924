"""The agent monitor schedule that `sluice worker` creates: silent agents go offline once,
their channel hears about it once, and a heartbeat brings them back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session
from temporalio.client import (
    Client,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    WorkflowHistory,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from api.db import make_engine
from api.models import Agent, AgentStatus, utcnow
from sluice.monitoring import AgentMonitorInput, AgentMonitorResult
from sluice.schedules import agent_monitor_id, daily_report_id, ensure_schedules, remove_schedules
from sluice.settings import Settings
from tests.e2e.flow import keep_history
from tests.e2e.schedule_support import created_schedule, history_of, quiet, run_now
from tests.peers.chat import WebhookPeer
from workflows.agent_monitor import AgentMonitorWorkflow


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings with a channel-secret key, a channel for offline agents, and
    an hourly monitor (the tests trigger its runs themselves)."""
    notifications = settings.notifications.model_validate(
        {"secret_key": "agent monitor test key", "agent_offline_channels": ["ops-hook"]}
    )
    monitor = settings.monitor.model_validate({"interval": 3600})
    return settings.model_copy(update={"notifications": notifications, "monitor": monitor})


@pytest.fixture
async def schedules_removed(settings: Settings, temporal_client: Client) -> AsyncIterator[None]:
    """Delete this test's schedules afterwards, so they stop firing at a queue nobody polls."""
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
    handle = await created_schedule(temporal_client, agent_monitor_id(settings.temporal.task_queue))
    await quiet(temporal_client, handle)

    silence(database, "web-01", 600)  # offline_after is 90 s
    assert await statuses(api) == {"web-01": "offline", "web-02": "online"}  # shown at once
    result, workflow_id, run_id = await run_now(temporal_client, handle, AgentMonitorResult)

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

    # the next tick finds it offline already: no second message
    again, _, _ = await run_now(temporal_client, handle, AgentMonitorResult)
    assert again == AgentMonitorResult(went_offline=[], notified=[])
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

    # the run's history replays on the current workflow code
    history: WorkflowHistory = await history_of(temporal_client, workflow_id, run_id)
    await Replayer(workflows=[AgentMonitorWorkflow]).replay_workflow(history)
    await keep_history(temporal_client, workflow_id, "agent_monitor_offline")


async def test_a_late_agent_shows_stale_before_it_goes_offline(
    database: str, api: httpx.AsyncClient
) -> None:
    await register(api, "web-03")
    silence(database, "web-03", 60)  # past stale_after (45 s), within offline_after (90 s)
    assert await statuses(api) == {"web-03": "stale"}
    shown = (await api.get("/api/v1/agents/web-03")).json()
    assert shown["status"] == "stale"


async def test_worker_start_creates_then_updates_the_schedules_in_place(
    database: str,
    settings: Settings,
    schedules_removed: None,
    temporal_client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = settings.temporal.task_queue
    engine = make_engine(database)
    try:
        with caplog.at_level(logging.WARNING, logger="sluice.worker"):
            await ensure_schedules(temporal_client, settings, engine)
        assert "agent_offline_channels names channels that do not exist (yet): ops-hook" in (
            caplog.text
        )
        handle = temporal_client.get_schedule_handle(agent_monitor_id(queue))
        await handle.pause(note="paused by an operator")

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
        schedule = (await handle.describe()).schedule

        assert schedule.spec.intervals == [ScheduleIntervalSpec(every=timedelta(seconds=20))]
        assert schedule.state.paused and schedule.state.note == "paused by an operator"
        action = schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.task_queue) == ("AgentMonitorWorkflow", queue)
        (inp,) = await temporal_client.data_converter.decode(action.args, [AgentMonitorInput])
        assert inp == AgentMonitorInput(offline_after_s=120.0, channels=["a", "b"])
        report = temporal_client.get_schedule_handle(daily_report_id(queue))
        assert not (await report.describe()).schedule.state.paused

        await ensure_schedules(temporal_client, settings, engine)  # no report channels again
        with pytest.raises(RPCError) as gone:
            await report.describe()
        assert gone.value.status == RPCStatusCode.NOT_FOUND
    finally:
        engine.dispose()
