"""The pipeline survives an S3 outage and a host worker killed mid-upload, losing nothing."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from temporalio.client import Client

from activities.s3 import ensure_bucket, make_s3_client
from bench.servers import free_port_with_grpc
from sluice.cli.schedules import remove_schedules
from sluice.cli.servers import ServerSpec, seaweed_spec, stop
from sluice.cli.worker import run_worker
from sluice.settings import Settings
from tests.e2e.agent_support import OUTAGE_S, agent_process, eventually, worker_process
from tests.e2e.flow import publish, steps_by_name, wait_for_task
from watcher.agent import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024
UPLOAD: dict[str, Any] = {"upload": {}}  # every setting its default


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


@pytest.mark.timeout(480)
async def test_s3_down_past_the_old_retry_window_loses_no_file_of_a_burst(
    outage_stack: None,
    database: str,
    api: httpx.AsyncClient,
    inbox: Path,
    own_seaweed: Server,
    outage_settings: Settings,
) -> None:
    """Default retry policies: a burst arriving while S3 is down waits it out, however long."""
    publish(database, {"name": "logs", "match": {"suffixes": [".log"]}, "pipeline": [UPLOAD]})
    short = {"max_attempts": 1, "initial_interval": "1s", "deadline": "3s"}
    publish(
        database,
        {
            "name": "short",
            "match": {"suffixes": [".bin"]},
            "pipeline": [{"upload": {"retry": short}}],
        },
    )
    stop(own_seaweed.proc)
    down_at = time.monotonic()
    (inbox / "short.bin").write_bytes(b"its retry deadline is shorter than the outage\n")
    contents = {f"burst-{i:02}.log": f"file {i}, written while storage was down\n".encode() * 50
                for i in range(12)}  # fmt: skip
    for name, content in contents.items():
        (inbox / name).write_bytes(content)

    # The old default gave up after its fifth attempt, ~30 s in; S3 stays down past that.
    await eventually(lambda: _failed_uploads(api, len(contents), at_least=5), 90, "5 failures each")
    await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
    own_seaweed.proc = own_seaweed.spec.spawn()  # from this thread: see ServerSpec.spawn
    await asyncio.to_thread(own_seaweed.spec.wait_ready, own_seaweed.proc)
    # The next attempt comes 2 s x 2^5 after the first, or (if S3 is slow to come back) at
    # most max_interval (2 min) after the one before: about 65 s in, often, 250 s at worst.
    tasks = [await wait_for_task(api, name, within=300) for name in contents]

    s3 = make_s3_client(outage_settings.storage)
    for task, (name, content) in zip(tasks, contents.items(), strict=True):
        history = steps_by_name(task)["upload"]["attempt_history"]
        assert {a["error_class"] for a in history[:-1]} == {"network"}, history
        assert len(history) > 5 and history[-1]["status"] == "succeeded"
        stored = s3.get_object(Bucket=outage_settings.storage.bucket, Key=f"test-host/{name}")
        assert stored["Body"].read() == content
    listed = (await api.get("/api/v1/tasks", params={"limit": 100})).json()["items"]
    assert len(listed) == len(contents) + 1  # one task per file: nothing failed and re-run

    # A step whose deadline the outage outlasts fails saying so, with its transient class.
    failed = await wait_for_task(api, "short.bin", status="failed", within=120)
    history = steps_by_name(failed)["upload"]["attempt_history"]
    assert len(history) > 1  # retried past max_attempts (1) until the deadline
    assert failed["error_class"] == "network"
    assert "past the retry deadline" in failed["error"]
    assert f"POST /api/v1/tasks/{failed['id']}:retry" in failed["error"]


async def _failed_uploads(api: httpx.AsyncClient, files: int, at_least: int) -> bool:
    """Whether `files` .log tasks exist, none has ended, and each upload failed `at_least` times."""
    items = (await api.get("/api/v1/tasks", params={"limit": 100})).json()["items"]
    items = [t for t in items if t["rel_path"].endswith(".log")]
    if len(items) < files or any(t["status"] in ("failed", "succeeded") for t in items):
        assert not any(t["status"] == "failed" for t in items), items
        return False
    for item in items:
        task = (await api.get(f"/api/v1/tasks/{item['id']}")).json()
        history = steps_by_name(task)["upload"]["attempt_history"]
        if sum(a["status"] == "failed" for a in history) < at_least:
            return False
    return True


@pytest.mark.timeout(240)
async def test_agent_and_worker_killed_mid_upload_resend_only_the_parts_in_flight(
    database: str,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    tmp_path: Path,
    s3: S3Client,
    temporal_client: Client,
) -> None:
    """Default settings (no short heartbeat timeout, no bandwidth cap): what S3 holds when
    the agent dies is reused, so only the parts in flight (<= part_concurrency) go again."""
    publish(database, {"name": "dumps", "match": {"suffixes": [".hprof"]}, "pipeline": [UPLOAD]})
    sha256, parts = write_random(inbox / "big.hprof", 200 * MiB)  # forty 5 MiB parts
    (inbox / "small.log").write_bytes(b"one part, no heartbeat\n")
    bucket, key = settings.storage.bucket, "test-host/big.hprof"
    log = tmp_path / "sluice.log"
    agent, worker = agent_process(settings, log), worker_process(settings, log)
    try:
        await eventually(lambda: _upload_id(s3, bucket, key), 60, "upload begun", every=0.05)
        upload_id = _upload_id(s3, bucket, key) or ""
        stored_8 = lambda: len(_parts(s3, bucket, key, upload_id)) >= 8  # noqa: E731
        await eventually(stored_8, 60, "8 parts stored", every=0.05)
    finally:
        for proc in (agent, worker):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    killed_at = time.time()
    await asyncio.sleep(1)  # a part the server was still writing is either stored or dropped
    stored = _parts(s3, bucket, key, upload_id)
    assert 8 <= len(stored) < parts, "killed mid-upload"

    agent, worker = agent_process(settings, log), worker_process(settings, log)
    try:
        task = await wait_for_task(api, "big.hprof", within=150)
        await wait_for_task(api, "small.log", within=30)
    finally:
        for proc in (agent, worker):
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 60)
        await remove_schedules(temporal_client, settings.temporal.task_queue)

    upload = steps_by_name(task)["upload"]
    assert upload["summary"]["parts"] == str(parts)
    # Every part S3 held at the kill was reused: the parts sent twice are only those that
    # were in flight when the agent died, at most part_concurrency (4) of them.
    assert upload["summary"]["resumed_parts"] == str(len(stored))
    assert [a["error_class"] for a in upload["attempt_history"]] == ["timeout", ""]
    assert upload["summary"]["sha256"] == sha256 == _stored_sha256(s3, bucket, key)
    tasks = (await api.get("/api/v1/tasks", params={"limit": 50})).json()["items"]
    assert sorted(t["rel_path"] for t in tasks) == ["big.hprof", "small.log"]  # no duplicate

    scheduled, retry_started = await _upload_attempts(temporal_client, task["workflow_id"])
    assert [a.heartbeat_timeout.ToSeconds() for a in scheduled] == [10, 10]  # the default
    print(
        f"kill -> retry started {retry_started - killed_at:.1f} s; {len(stored)} of {parts} "
        f"parts stored at the kill, reused; {parts - len(stored)} sent by the retry"
    )


def write_random(path: Path, size: int, part: int = 5 * MiB) -> tuple[str, int]:
    """Write `size` random bytes; their SHA-256 and the number of `part`-sized parts."""
    sha = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size // MiB):
            chunk = os.urandom(MiB)
            sha.update(chunk)
            out.write(chunk)
    return sha.hexdigest(), -(-size // part)


def _upload_id(s3: S3Client, bucket: str, key: str) -> str | None:
    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads", [])
    return next((u["UploadId"] for u in uploads if u["Key"] == key), None)


def _parts(s3: S3Client, bucket: str, key: str, upload_id: str) -> list[int]:
    pages = s3.get_paginator("list_parts").paginate(Bucket=bucket, Key=key, UploadId=upload_id)
    return [part["PartNumber"] for page in pages for part in page.get("Parts", [])]


def _stored_sha256(s3: S3Client, bucket: str, key: str) -> str:
    sha = hashlib.sha256()
    for chunk in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(MiB):
        sha.update(chunk)
    return sha.hexdigest()


async def _upload_attempts(client: Client, workflow_id: str) -> tuple[list[Any], float]:
    """The upload activities scheduled, and when the last one started (unix seconds)."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    scheduled = {
        e.event_id: e.activity_task_scheduled_event_attributes
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "upload_file"
    }
    started = [
        e.event_time.ToDatetime().replace(tzinfo=UTC).timestamp()
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
        and e.activity_task_started_event_attributes.scheduled_event_id in scheduled
    ]
    return list(scheduled.values()), started[-1]
