"""The agent under stress on a private Temporal: a 10,000-file burst, a Temporal outage, and
Temporal and the API down together while the pipeline uploads."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from temporalio.client import Client

from activities.s3 import make_s3_client
from api.app import create_app
from bench.servers import OwnTemporal
from sluice.cli.servers import free_port
from sluice.cli.worker import run_worker
from sluice.contracts import UPLOAD_HEARTBEAT_TIMEOUT_S
from sluice.settings import Settings, StorageSettings, load_settings
from store.db import migrate
from tests.e2e.agent_support import OUTAGE_S, count_runs, eventually, with_agent_token
from watcher.agent import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


def agent_settings(
    tmp_path: Path,
    temporal: OwnTemporal,
    inbox: Path,
    *,
    database_url: str = "",
    storage: dict[str, Any] | None = None,
    **agent: object,
) -> Settings:
    extra: dict[str, Any] = {"storage": storage} if storage else {}
    if database_url:
        extra["database_url"] = database_url
    return load_settings(
        **extra,
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


class ApiServer:
    """`sluice api` under uvicorn on a fixed loopback port, in this loop; stop and start again."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._settings = settings
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(
            create_app(self._settings), host="127.0.0.1", port=self.port, log_level="warning"
        )
        server = self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(server.serve())
        await eventually(lambda: server.started, 20, "API started")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 20)


def _task_states(database_url: str) -> dict[str, str]:
    """rel_path → task status, from the metadata DB the worker writes."""
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=10) as db:
        rows = db.execute(
            "SELECT f.rel_path, t.status FROM tasks t JOIN file_events f ON f.id = t.file_event_id"
        ).fetchall()
    return dict(rows)


@pytest.mark.timeout(240 + OUTAGE_S)
async def test_temporal_and_the_api_down_mid_burst_lose_and_repeat_nothing(
    tmp_path: Path, own_temporal: OwnTemporal, storage_settings: StorageSettings, s3: S3Client
) -> None:
    """Default settings; a multipart upload runs as Temporal and the API go away for a while."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    database_url = f"sqlite:///{tmp_path}/sluice.db"
    migrate(database_url)
    settings = with_agent_token(
        agent_settings(
            tmp_path, own_temporal, inbox,
            database_url=database_url, storage=storage_settings.model_dump(),
        )
    )  # fmt: skip
    api = ApiServer(settings)
    await api.start()
    agent_cfg = settings.agent.model_copy(update={"api_url": api.url, "heartbeat_interval": 0.5})
    settings = settings.model_copy(update={"agent": agent_cfg})
    client = await Client.connect(own_temporal.address)
    agent = Agent(settings, client, make_s3_client(settings.storage))
    tasks = [asyncio.create_task(agent.run()), asyncio.create_task(run_worker(settings, client))]
    key = f"test-host/{_BIG}"
    try:
        (inbox / _BIG).write_bytes(os.urandom(60 * MiB))  # twelve 5 MiB parts
        for i in range(10):
            (inbox / f"before-{i}.log").write_text(f"before {i}\n")
        await eventually(lambda: _has_upload(s3, storage_settings.bucket, key), 60, "upload begun")

        own_temporal.stop()
        await api.stop()
        down_at = asyncio.get_running_loop().time()
        for i in range(10):
            (inbox / f"during-{i}.log").write_text(f"during {i}\n")
        await eventually(lambda: agent.spool.depth() >= 10, 30, "files spooled while down")
        await eventually(lambda: agent.dispatcher.failures > 0, 30, "dispatch failing")
        # Down past the upload's heartbeat timeout (10 s), counted in failed API heartbeats.
        control_errors = agent.metrics.errors.labels("control_plane")
        await eventually(lambda: control_errors._value.get() > 0, 30, "API unreachable")
        await asyncio.sleep(_UPLOAD_HEARTBEAT_TIMEOUT + 2)
        await asyncio.sleep(max(0.0, OUTAGE_S - (asyncio.get_running_loop().time() - down_at)))

        own_temporal.start()
        await api.start()
        names = [_BIG] + [f"{w}-{i}.log" for w in ("before", "during") for i in range(10)]
        expected = {name: "succeeded" for name in names}
        await eventually(lambda: _task_states(database_url) == expected, 150, "all succeeded")
        assert await count_runs(client, settings.agent.id) == len(names)  # none started twice
        assert agent.spool.count("dispatched") == len(names) and agent.spool.depth() == 0
        before = _last_heartbeat(database_url, settings.agent.id)
        await eventually(
            lambda: _last_heartbeat(database_url, settings.agent.id) != before, 30,
            "the agent reaches the API again",
        )  # fmt: skip
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await api.stop()
    body = s3.get_object(Bucket=storage_settings.bucket, Key=key)["Body"].read()
    assert body == (inbox / _BIG).read_bytes()


_BIG = "big.hprof"
_UPLOAD_HEARTBEAT_TIMEOUT = UPLOAD_HEARTBEAT_TIMEOUT_S


def _last_heartbeat(database_url: str, agent_id: str) -> str:
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=10) as db:
        row = db.execute(
            "SELECT last_heartbeat_at FROM agents WHERE id = ?", (agent_id,)
        ).fetchone()
    return str(row[0] if row else "")


def _has_upload(s3: S3Client, bucket: str, key: str) -> bool:
    return bool(s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads"))
