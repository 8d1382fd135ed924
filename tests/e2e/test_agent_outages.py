"""The agent under stress on a private Temporal: a 10,000-file burst and a Temporal outage."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from activities.s3 import make_s3_client
from sluice.settings import Settings, load_settings
from tests.e2e.agent_support import OwnTemporal, count_runs, eventually
from watcher.agent import Agent

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


@pytest.fixture
def own_temporal(tmp_path: Path) -> Iterator[OwnTemporal]:
    server = OwnTemporal(tmp_path / "temporal")
    server.start()
    yield server
    server.stop()


def agent_settings(tmp_path: Path, temporal: OwnTemporal, inbox: Path, **agent: object) -> Settings:
    return load_settings(
        temporal={"address": temporal.address, "task_queue": f"q-{uuid.uuid4().hex[:8]}"},
        agent={
            "id": f"agent-{uuid.uuid4().hex[:8]}",
            "hostname": "test-host",
            "roots": [str(inbox)],
            "silence": 0.3,
            "scan_interval": 3.0,
            "spool_path": str(tmp_path / "state" / "spool.db"),
            "metrics_port": None,
            **agent,
        },
    )


async def _running(settings: Settings) -> tuple[Agent, asyncio.Task[None], Client]:
    client = await Client.connect(settings.temporal.address)
    agent = Agent(settings, client, make_s3_client(settings.storage))
    return agent, asyncio.create_task(agent.run()), client


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@pytest.mark.timeout(240)
async def test_a_burst_of_10000_files_is_dispatched_once_each(
    tmp_path: Path, own_temporal: OwnTemporal
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # No worker polls the queue: workflows stay running, only starts are measured. No cap on
    # in-flight or rate here; those limits have their own tests.
    settings = agent_settings(tmp_path, own_temporal, inbox, max_in_flight=0, dispatch_rate=0)
    agent, task, client = await _running(settings)
    try:
        for d in range(100):
            (inbox / f"batch-{d:03}").mkdir()
            for i in range(100):
                (inbox / f"batch-{d:03}" / f"f{i:03}.log").write_bytes(b"%d" % (d * 100 + i))

        # inotify's queue (16384 events) may overflow; the reconcile scan finds the rest.
        await eventually(
            lambda: agent.spool.count("dispatched") == 10_000, 180, "10,000 files dispatched"
        )
        await eventually(
            lambda: _equals(count_runs(client, settings.agent.id), 10_000), 60,
            "10,000 workflow runs visible",
        )  # fmt: skip
        await asyncio.sleep(4)  # another reconcile scan: nothing new may be found
        assert agent.spool.count("dispatched") == 10_000 and agent.spool.depth() == 0
        assert await count_runs(client, settings.agent.id) == 10_000
        started = agent.metrics.dispatched.labels("started")._value.get()
        assert started == 10_000
    finally:
        await _stop(task)


async def _equals(count: object, expected: int) -> bool:
    return await count == expected  # type: ignore[misc]


@pytest.mark.timeout(180)
async def test_temporal_down_then_back_loses_nothing_and_repeats_nothing(
    tmp_path: Path, own_temporal: OwnTemporal
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = agent_settings(tmp_path, own_temporal, inbox, spool_high_water=10)
    agent, task, client = await _running(settings)
    agent_id = settings.agent.id
    try:
        for i in range(5):
            (inbox / f"before-{i}.log").write_text(str(i))
        await eventually(lambda: agent.spool.count("dispatched") == 5, 30, "5 dispatched")

        own_temporal.stop()
        for i in range(20):
            (inbox / f"during-{i}.log").write_text(str(i))
        await eventually(lambda: agent.spool.depth() == 20, 30, "20 files spooled while down")
        await eventually(lambda: agent.dispatcher.failures > 0, 30, "dispatch failing")
        assert agent.health()[1]["temporal"] == "unreachable"
        await eventually(lambda: agent.high_water.raised, 10, "high-water mark raised")
        assert agent.metrics.high_water._value.get() == 1
        assert any(n["kind"] == "spool_high_water" for n in agent.report()["events"])

        own_temporal.start()
        await eventually(lambda: agent.spool.depth() == 0, 90, "spool drained after restart")
        await eventually(lambda: _equals(count_runs(client, agent_id), 25), 30, "25 runs visible")
        assert agent.spool.count("dispatched") == 25
        await asyncio.sleep(3.5)  # a reconcile scan later: still 25
        assert await count_runs(client, agent_id) == 25
    finally:
        await _stop(task)
