"""The first real slice: inbox file → agent → FileWorkflow → SeaweedFS → verified → API."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from sluice.settings import Settings
from tests.e2e.flow import keep_history, wait_for_task
from watcher.agent import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def stored_sha256(s3: S3Client, bucket: str, key: str) -> str:
    return hashlib.sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()


async def test_small_file_is_uploaded_verified_and_listed(
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    temporal_client: Client,
) -> None:
    (inbox / "app").mkdir()
    content = b"2026-11-23 ERROR something broke\n" * 100
    (inbox / "app" / "server.log").write_bytes(content)

    task = await wait_for_task(api, "app/server.log")

    key = "test-host/app/server.log"  # go-watch-file's default: <hostname>/<relpath>
    assert task["object_url"] == f"s3://{settings.storage.bucket}/{key}"
    assert task["sha256"] == hashlib.sha256(content).hexdigest()
    assert stored_sha256(s3, settings.storage.bucket, key) == task["sha256"]
    steps = {step["name"]: step for step in task["steps"]}
    assert steps["upload"]["status"] == "succeeded"
    assert steps["upload"]["summary"]["parts"] == "1"
    # verify is the plan's last step: its activity wrote its own success and the task's
    assert steps["verify"]["status"] == "succeeded"
    assert steps["verify"]["summary"]["sha256"] == task["sha256"]
    history = f"/workflows/{task['workflow_id']}/{task['run_id']}/history"
    assert task["temporal_url"].endswith(history)
    await keep_history(temporal_client, task["workflow_id"], "small_file_succeeded")


async def test_large_file_goes_multipart_and_checksum_matches(
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    temporal_client: Client,
) -> None:
    content = os.urandom(12 * 1024 * 1024)  # three 5 MiB parts
    (inbox / "heap.hprof").write_bytes(content)

    task = await wait_for_task(api, "heap.hprof")

    upload = next(step for step in task["steps"] if step["name"] == "upload")
    assert upload["summary"]["parts"] == "3"
    head = s3.head_object(Bucket=settings.storage.bucket, Key="test-host/heap.hprof")
    assert head["ContentLength"] == len(content)
    assert stored_sha256(s3, settings.storage.bucket, "test-host/heap.hprof") == (
        hashlib.sha256(content).hexdigest()
    )
    await keep_history(temporal_client, task["workflow_id"], "multipart_succeeded")


async def test_temp_file_renamed_is_shipped_under_its_final_name(
    running: Agent, api: httpx.AsyncClient, inbox: Path, s3: S3Client, settings: Settings
) -> None:
    partial = inbox / "export.csv.part"
    partial.write_bytes(b"a,b\n1,2\n")
    await asyncio.sleep(1.0)  # well past the silence window: a .part file must not ship
    partial.rename(inbox / "export.csv")

    await wait_for_task(api, "export.csv")

    listed = s3.list_objects_v2(Bucket=settings.storage.bucket, Prefix="test-host/export")
    assert [o["Key"] for o in listed["Contents"]] == ["test-host/export.csv"]


async def test_same_file_detected_twice_runs_once(
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    temporal_client: Client,
) -> None:
    (inbox / "once.log").write_text("hello\n")
    task = await wait_for_task(api, "once.log")

    # A second detection of the same file (a restarted agent with a lost spool, say)
    # starts the same workflow id, which Temporal refuses: no second run.
    file = running.detection.detected(inbox / "once.log")
    assert file is not None and file.workflow_id == task["workflow_id"]
    assert await running.dispatcher.dispatch(file)
    runs = [wf async for wf in temporal_client.list_workflows(f"WorkflowId = '{file.workflow_id}'")]
    assert len(runs) == 1
    assert runs[0].status == WorkflowExecutionStatus.COMPLETED


async def test_file_gone_before_upload_fails_with_not_found(
    running: Agent, api: httpx.AsyncClient, inbox: Path, temporal_client: Client
) -> None:
    path = inbox / "vanishing.log"
    path.write_text("here for a moment\n")
    file = running.detection.detected(path)
    assert file is not None
    path.unlink()

    assert await running.dispatcher.dispatch(file)
    task = await wait_for_task(api, "vanishing.log", status="failed")

    assert task["error_class"] == "not_found"
    upload = next(step for step in task["steps"] if step["name"] == "upload")
    assert upload["status"] == "failed" and upload["error_class"] == "not_found"
    await keep_history(temporal_client, task["workflow_id"], "upload_not_found_failed")
