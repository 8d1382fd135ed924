"""The pipeline survives an S3 outage and a host worker killed mid-upload, losing nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from temporalio.client import Client

from activities.s3 import ensure_bucket, make_s3_client
from sluice.servers import ServerSpec, seaweed_spec, stop
from sluice.settings import Settings
from sluice.worker import run_worker
from tests.e2e.agent_support import RESUMABLE_RULE, agent_process
from tests.e2e.flow import publish, steps_by_name, wait_for_task
from tests.fixtures.servers import free_port_with_grpc
from watcher.agent import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024
PATIENT_RETRY = {"max_attempts": 40, "initial_interval": "500ms", "max_interval": "2s"}


@dataclass
class Server:
    spec: ServerSpec
    proc: subprocess.Popen[bytes]


@pytest.fixture
def own_seaweed(tmp_path: Path) -> Iterator[Server]:
    """A SeaweedFS for this test alone, so it can be stopped without disturbing the others."""
    ports = [free_port_with_grpc() for _ in range(4)]
    spec = seaweed_spec(tmp_path / "weed", *ports)
    server = Server(spec, spec.start())
    yield server
    stop(server.proc)


@pytest.fixture
def outage_settings(settings: Settings, own_seaweed: Server) -> Settings:
    endpoint = f"http://127.0.0.1:{own_seaweed.spec.ports['S3']}"
    storage = settings.storage.model_copy(update={"endpoint_url": endpoint})
    ensure_bucket(make_s3_client(storage), storage.bucket)
    return settings.model_copy(update={"storage": storage})


@pytest.fixture
async def outage_stack(
    database: str, outage_settings: Settings, temporal_client: Client
) -> AsyncIterator[None]:
    agent = Agent(outage_settings, temporal_client, make_s3_client(outage_settings.storage))
    tasks = [
        asyncio.create_task(run_worker(outage_settings, temporal_client)),
        asyncio.create_task(agent.run()),
    ]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_s3_outage_is_retried_until_storage_is_back(
    outage_stack: None,
    database: str,
    api: httpx.AsyncClient,
    inbox: Path,
    own_seaweed: Server,
    outage_settings: Settings,
) -> None:
    publish(
        database,
        {
            "name": "patient",
            "match": {"suffixes": [".log"]},
            "pipeline": [
                {"upload": {"retry": PATIENT_RETRY}},
                {"verify": {"retry": PATIENT_RETRY}},
            ],
        },
    )
    stop(own_seaweed.proc)
    content = b"written while storage was down\n" * 100
    (inbox / "outage.log").write_bytes(content)

    await wait_for_task(api, "outage.log", status="retrying")
    own_seaweed.proc = own_seaweed.spec.spawn()  # from this thread: see ServerSpec.spawn
    await asyncio.to_thread(own_seaweed.spec.wait_ready, own_seaweed.proc)
    task = await wait_for_task(api, "outage.log", within=120)

    upload = steps_by_name(task)["upload"]
    failed = [a for a in upload["attempt_history"] if a["status"] == "failed"]
    assert failed and {a["error_class"] for a in failed} == {"network"}
    assert upload["attempt_history"][-1]["status"] == "succeeded"
    s3 = make_s3_client(outage_settings.storage)
    stored = s3.get_object(Bucket=outage_settings.storage.bucket, Key="test-host/outage.log")
    assert stored["Body"].read() == content


async def test_host_worker_killed_mid_upload_resumes_without_resending_parts(
    central_worker: None,
    database: str,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    tmp_path: Path,
    s3: S3Client,
) -> None:
    publish(database, RESUMABLE_RULE)
    content = os.urandom(40 * MiB)  # eight 5 MiB parts, about ten seconds at 4 MiB/s
    (inbox / "big.hprof").write_bytes(content)
    log = tmp_path / "agent.log"
    first = agent_process(settings, log)
    try:
        running = await wait_for_task(api, "big.hprof", status="running")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        url = f"/api/v1/tasks/{running['id']}/progress"
        while (await api.get(url)).json()["bytes_uploaded"] < 10 * MiB:
            assert loop.time() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.2)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()

    second = agent_process(settings, log)
    try:
        task = await wait_for_task(api, "big.hprof", within=120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)

    upload = steps_by_name(task)["upload"]
    assert int(upload["summary"]["resumed_parts"]) >= 2  # not sent again after the restart
    assert upload["summary"]["parts"] == "8"
    assert upload["attempt_history"][0]["error_class"] == "timeout"
    stored = s3.get_object(Bucket=settings.storage.bucket, Key="test-host/big.hprof")
    assert stored["Body"].read() == content
