"""The daily report schedule: yesterday's numbers, rendered from the template, reach the
report channels; a channel that cannot be reached does not stop the others."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from temporalio.client import Client, ScheduleCalendarSpec, ScheduleRange
from temporalio.worker import Replayer

from sluice.cli.schedules import daily_report_id, remove_schedules
from sluice.monitoring import DailyReportResult
from sluice.settings import Settings
from store.db import make_engine
from tests.api.seeding import MiB, seed_rule, seed_task
from tests.e2e.flow import keep_history
from tests.e2e.schedule_support import created_schedule, history_of, quiet, run_now
from tests.peers.chat import DingTalkPeer
from workflows.daily_report import DailyReportWorkflow


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings with a channel-secret key and two report channels, one of which
    is never created."""
    notifications = settings.notifications.model_validate(
        {"secret_key": "daily report test key", "daily_report_channels": ["ops-ding", "nowhere"]}
    )
    reports = settings.reports.model_validate({"daily_at": "07:30", "time_zone": "Asia/Tokyo"})
    return settings.model_copy(update={"notifications": notifications, "reports": reports})


@pytest.fixture
async def schedules_removed(settings: Settings, temporal_client: Client) -> AsyncIterator[None]:
    yield
    await remove_schedules(temporal_client, settings.temporal.task_queue)


def seed_day(database: str, day: datetime) -> None:
    """Two files that succeeded (1 and 3 MiB) and one that failed, at noon of `day` (Tokyo)."""
    engine = make_engine(database)
    try:
        rule = seed_rule(engine, f"logs-{day:%m%d}")
        noon = day + timedelta(hours=12)
        seed_task(engine, noon, "succeeded", size=1 * MiB, dwell_s=60, rule_id=rule)
        seed_task(engine, noon, "succeeded", size=3 * MiB, dwell_s=240, rule_id=rule)
        seed_task(engine, noon, "failed", error_class="network", rule_id=rule)
    finally:
        engine.dispose()


async def test_yesterdays_report_reaches_the_report_channels(
    database: str,
    settings: Settings,
    central_worker: None,
    schedules_removed: None,
    api: httpx.AsyncClient,
    temporal_client: Client,
    dingtalk_peer: DingTalkPeer,
) -> None:
    secrets = {"url": dingtalk_peer.webhook, "secret": dingtalk_peer.secret}
    channel = {"name": "ops-ding", "type": "dingtalk", "config": {}, "secrets": secrets}
    assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
    today = datetime.now(ZoneInfo(settings.reports.time_zone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # the same day twice: the numbers hold even if the run starts after midnight in Tokyo
    seed_day(database, today - timedelta(days=1))
    seed_day(database, today)
    handle = await created_schedule(temporal_client, daily_report_id(settings.temporal.task_queue))
    await quiet(temporal_client, handle)

    result, workflow_id, run_id = await run_now(temporal_client, handle, DailyReportResult)

    assert result.sent == ["ops-ding"]  # "nowhere" does not exist: logged, not fatal
    assert result.date in {(today - timedelta(days=1)).date().isoformat(), today.date().isoformat()}
    (message,) = dingtalk_peer.accepted
    title, text = message["markdown"]["title"], message["markdown"]["text"]
    assert title == f"[Sluice] daily report {result.date}: 3 files, 1 failed"
    assert f"### Sluice daily report {result.date} (Asia/Tokyo)" in text
    assert "- files: 3 (2 succeeded, 1 failed)" in text
    assert "- uploaded: 4.0 MiB" in text
    assert "- failure rate: 33.3%" in text
    assert "- detected → done: p50 60 s, p95 4 min" in text
    assert "- sizes: < 1 MiB: 0 · 1-10 MiB: 3 · 10-100 MiB: 0" in text
    assert "**Failures by class**\n- network: 1" in text
    assert f"**Failures by rule**\n- logs-{result.date[5:7]}{result.date[8:10]}: 1" in text
    (sent,) = (await api.get("/api/v1/notifications")).json()
    assert (sent["event_type"], sent["step"], sent["status"], sent["channel"]) == (
        "daily_report", "daily_report", "sent", "ops-ding",
    )  # fmt: skip

    schedule = (await handle.describe()).schedule
    assert schedule.spec.time_zone_name == "Asia/Tokyo"
    assert schedule.spec.calendars == [
        ScheduleCalendarSpec(
            hour=(ScheduleRange(7),), minute=(ScheduleRange(30),), comment="daily at 07:30"
        )
    ]
    history = await history_of(temporal_client, workflow_id, run_id)
    await Replayer(workflows=[DailyReportWorkflow]).replay_workflow(history)
    await keep_history(temporal_client, workflow_id, "daily_report_sent")
