"""SIGTERM to a real `sluice agent` mid-upload: it takes no new work, lets the upload run and
heartbeat through its grace period, exits cleanly, and the upload resumes after a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from sluice.settings import Settings
from tests.e2e.agent_support import RESUMABLE_RULE, agent_process, eventually
from tests.e2e.flow import publish, steps_by_name, wait_for_task
from watcher.spool import spool_states

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

MiB = 1024 * 1024
PART = 5 * MiB  # the session storage's part size
GRACE = 4  # seconds: shorter than what is left of the upload when SIGTERM arrives


def agent_process_with_grace(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return agent_process(settings, log, AGENT__SHUTDOWN_GRACE=str(GRACE))


async def _uploaded(api: httpx.AsyncClient, task_id: str) -> int:
    """Bytes the running upload attempt has heartbeated so far (0 between attempts)."""
    return int((await api.get(f"/api/v1/tasks/{task_id}/progress")).json()["bytes_uploaded"])


@pytest.mark.timeout(300)
async def test_sigterm_mid_upload_stops_new_work_and_the_upload_resumes_after_restart(
    central_worker: None,
    database: str,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    tmp_path: Path,
    s3: S3Client,
) -> None:
    publish(database, RESUMABLE_RULE)
    content = os.urandom(40 * MiB)  # eight parts, about ten seconds at 4 MiB/s
    (inbox / "big.hprof").write_bytes(content)
    spool, log = settings.agent.spool_path, tmp_path / "agent.log"

    first = agent_process_with_grace(settings, log)
    try:
        running = await wait_for_task(api, "big.hprof", status="running")
        task_id = running["id"]
        await eventually(
            lambda: _at_least(_uploaded(api, task_id), 2 * PART), 60, "two parts uploaded"
        )
        first.send_signal(signal.SIGTERM)
        await eventually(lambda: "stopping: no new work" in log.read_text(), 20, "stopping")
        at_signal = heartbeated = await _uploaded(api, task_id)
        (inbox / "after.hprof").write_bytes(b"arrived while the agent was stopping")
        deadline = asyncio.get_running_loop().time() + GRACE + 15 + 30  # hard exit: grace + 15 s
        while first.poll() is None and asyncio.get_running_loop().time() < deadline:
            heartbeated = max(heartbeated, await _uploaded(api, task_id))
            await asyncio.sleep(0.2)
    finally:
        if first.poll() is None:
            first.kill()
        code = first.wait()

    said = log.read_text()
    assert code == 0, said[-3000:]  # stopped by the graceful path, not the hard exit (3)
    assert "did not stop in time" not in said
    assert heartbeated > at_signal, "the upload should go on, heartbeating, during the grace"
    assert heartbeated < len(content)  # ... and be cut short by it, to resume later
    assert spool_states(spool) == {"dispatched": 1}  # after.hprof was not taken on

    second = agent_process_with_grace(settings, log)
    try:
        task = await wait_for_task(api, "big.hprof", within=120)
        after = await wait_for_task(api, "after.hprof", within=60)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.to_thread(second.wait, 60)

    upload = steps_by_name(task)["upload"]
    assert upload["summary"]["parts"] == "8"
    # Every part heartbeated before the stop is kept, not sent again.
    assert int(upload["summary"]["resumed_parts"]) * PART >= heartbeated
    first_attempt, last_attempt = upload["attempt_history"][0], upload["attempt_history"][-1]
    assert first_attempt["error_class"] == "timeout"
    assert "the agent stopped" in first_attempt["error"]
    assert last_attempt["status"] == "succeeded"
    stored = s3.get_object(Bucket=settings.storage.bucket, Key="test-host/big.hprof")
    assert stored["Body"].read() == content
    assert after["status"] == "succeeded"


async def _at_least(count: Awaitable[int], expected: int) -> bool:
    return await count >= expected
