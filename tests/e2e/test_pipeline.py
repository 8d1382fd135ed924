"""Routed pipelines through the real servers: stages, approvals, compensation, cancellation."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from botocore.exceptions import ClientError
from temporalio.client import Client

from activities.s3 import make_s3_client
from sluice.cli.worker import run_worker
from sluice.settings import Settings
from tests.e2e.agent_support import eventually
from tests.e2e.flow import keep_history, publish, steps_by_name, wait_for_task
from watcher.agent import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024


def rule(
    *pipeline: dict[str, Any], suffix: str = ".log", name: str = "test-rule"
) -> dict[str, Any]:
    return {
        "name": name,
        "priority": 10,
        "match": {"suffixes": [suffix]},
        "pipeline": list(pipeline),
    }


def object_exists(s3: S3Client, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


async def wait_for_status(api: httpx.AsyncClient, rel_path: str, status: str) -> dict[str, Any]:
    return await wait_for_task(api, rel_path, status=status)


async def test_multi_stage_plan_with_parallel_approval_runs_in_order(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    temporal_client: Client,
) -> None:
    rule_id = publish(
        database,
        rule(
            {"upload": {"key": "{agent}/{date}/{relpath}"}},
            {"parallel": [{"verify": {"read_back": True}}, {"approve": {"timeout": "5m"}}]},
            {"archive": {"action": "move", "to": str(inbox / ".done")}},
        ),
    )
    content = b"GC overhead limit exceeded\n" * 500
    (inbox / "app.log").write_bytes(content)

    waiting = await wait_for_status(api, "app.log", "waiting_approval")
    progress = (await api.get(f"/api/v1/tasks/{waiting['id']}/progress")).json()
    assert progress["stage"] == 1 and progress["waiting_for_approval"] == "approve"
    decided = await api.post(
        f"/api/v1/tasks/{waiting['id']}:approve", json={"approved": True, "by": "ops"}
    )
    assert decided.status_code == 200, decided.text
    task = await wait_for_task(api, "app.log")

    assert (task["rule_id"], task["rule_version"]) == (rule_id, 1)
    steps = steps_by_name(task)
    assert [s["status"] for s in steps.values()] == ["succeeded"] * 4
    assert steps["approve"]["summary"]["by"] == "ops"
    assert steps["verify"]["summary"]["read_back"] == "true"
    key = f"{settings.agent.id}/{task['file_event']['detected_at'][:10]}/app.log"
    assert task["object_url"] == f"s3://{settings.storage.bucket}/{key}"
    assert s3.get_object(Bucket=settings.storage.bucket, Key=key)["Body"].read() == content
    assert not (inbox / "app.log").exists()
    assert (inbox / ".done" / "app.log").read_bytes() == content
    again = await api.post(f"/api/v1/tasks/{task['id']}:approve", json={"approved": True})
    assert again.status_code == 409
    await keep_history(temporal_client, task["workflow_id"], "parallel_approval_archive")


@pytest.mark.parametrize(
    ("decision", "approve_timeout", "default"),
    [("reject", "5m", "reject"), (None, "1s", "reject")],
    ids=["rejected", "timed-out"],
)
async def test_rejection_fails_the_task_and_compensates_the_upload(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    decision: str | None,
    approve_timeout: str,
    default: str,
    temporal_client: Client,
) -> None:
    publish(
        database,
        rule(
            {"upload": {}},
            {
                "approve": {
                    "timeout": approve_timeout,
                    "default": default,
                    "on_failure": "compensate",
                }
            },
        ),
    )
    (inbox / "audit.log").write_text("export\n")
    if decision is not None:
        waiting = await wait_for_status(api, "audit.log", "waiting_approval")
        await api.post(
            f"/api/v1/tasks/{waiting['id']}:approve",
            json={"approved": False, "by": "lead", "comment": "not today"},
        )

    task = await wait_for_task(api, "audit.log", status="failed")

    assert task["error_class"] == "rejected"
    steps = steps_by_name(task)
    assert steps["approve"]["summary"]["by"] == ("lead" if decision else "timeout")
    assert steps["upload"]["status"] == "compensated"
    assert not object_exists(s3, settings.storage.bucket, "test-host/audit.log")
    await keep_history(temporal_client, task["workflow_id"], f"approval_{decision or 'timeout'}")


async def test_timed_out_approval_with_default_approve_succeeds(
    database: str, running: Agent, api: httpx.AsyncClient, inbox: Path
) -> None:
    publish(database, rule({"approve": {"timeout": "500ms", "default": "approve"}}, {"upload": {}}))
    (inbox / "nightly.log").write_text("ok\n")

    task = await wait_for_task(api, "nightly.log")

    assert steps_by_name(task)["approve"]["summary"]["decision"] == "approved"


async def test_corrupted_object_fails_verify_and_is_deleted(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
) -> None:
    publish(database, rule({"upload": {}}, {"approve": {}}, {"verify": {}}))
    (inbox / "payments.log").write_bytes(b"amount=100\n")
    waiting = await wait_for_status(api, "payments.log", "waiting_approval")
    key = "test-host/payments.log"
    s3.put_object(Bucket=settings.storage.bucket, Key=key, Body=b"amount=999\n")  # tampered

    await api.post(f"/api/v1/tasks/{waiting['id']}:approve", json={"approved": True})
    task = await wait_for_task(api, "payments.log", status="failed")

    assert task["error_class"] == "checksum"
    verify = steps_by_name(task)["verify"]
    assert verify["attempts"] == 1  # a checksum mismatch is not retried
    assert not object_exists(s3, settings.storage.bucket, key)
    assert verify["summary"]["undone"] == f"deleted s3://{settings.storage.bucket}/{key}"


async def test_cancel_mid_upload_aborts_the_multipart_upload(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    temporal_client: Client,
) -> None:
    publish(
        database,
        rule(
            {
                "upload": {
                    "bandwidth_limit": "2MiB",
                    "part_concurrency": 1,
                    "heartbeat_timeout": "3s",
                }
            },
            suffix=".hprof",
        ),
    )
    (inbox / "cancel-me.hprof").write_bytes(os.urandom(24 * MiB))
    running_task = await wait_for_status(api, "cancel-me.hprof", "running")
    task_id = running_task["id"]

    async def uploaded() -> int:
        return int((await api.get(f"/api/v1/tasks/{task_id}/progress")).json()["bytes_uploaded"])

    await eventually(uploaded, 60, "upload reported progress")

    cancelled = await api.post(f"/api/v1/tasks/{task_id}:cancel")
    assert cancelled.status_code == 202, cancelled.text
    task = await wait_for_task(api, "cancel-me.hprof", status="cancelled")

    uploads = s3.list_multipart_uploads(
        Bucket=settings.storage.bucket, Prefix="test-host/cancel-me"
    )
    assert uploads.get("Uploads", []) == []
    assert not object_exists(s3, settings.storage.bucket, "test-host/cancel-me.hprof")
    assert steps_by_name(task)["upload"]["error_class"] == "cancelled"
    await keep_history(temporal_client, task["workflow_id"], "cancelled_mid_upload")
    retried = await api.post(f"/api/v1/tasks/{task_id}:retry")
    assert retried.status_code == 202, retried.text
    retry = await wait_for_task(api, "cancel-me.hprof", status="running")
    assert retry["retry_of"] == task_id


async def test_failing_step_with_continue_does_not_fail_the_task(
    database: str, running: Agent, api: httpx.AsyncClient, inbox: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    publish(
        database,
        rule(
            {"upload": {}},
            {"archive": {"action": "move", "to": str(outside), "on_failure": "continue"}},
        ),
    )
    (inbox / "report.log").write_text("done\n")

    task = await wait_for_task(api, "report.log")

    archive = steps_by_name(task)["archive"]
    assert archive["status"] == "failed" and archive["error_class"] == "invalid_input"
    assert (inbox / "report.log").exists()


async def test_unmatched_file_is_recorded_as_ignored_when_configured(
    database: str,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    temporal_client: Client,
    s3: S3Client,
) -> None:
    ignoring = settings.model_copy(
        update={"pipeline": settings.pipeline.model_copy(update={"unmatched": "ignore"})}
    )
    worker = asyncio.create_task(run_worker(ignoring, temporal_client))
    agent = Agent(ignoring, temporal_client, make_s3_client(settings.storage))
    watching = asyncio.create_task(agent.run())
    try:
        (inbox / "random.bin").write_bytes(b"\x00" * 10)
        task = await wait_for_task(api, "random.bin", status="ignored")
    finally:
        for t in (worker, watching):
            t.cancel()
        await asyncio.gather(worker, watching, return_exceptions=True)

    assert task["steps"] == []
    assert not object_exists(s3, settings.storage.bucket, "test-host/random.bin")


async def test_content_hash_in_key_names_the_object_by_its_sha256(
    database: str, running: Agent, api: httpx.AsyncClient, inbox: Path, settings: Settings
) -> None:
    key = "by-hash/{sha256}.{ext}"
    publish(database, rule({"upload": {"key": key}}, {"verify": {}}, suffix=".gz"))
    content = os.urandom(1000)
    (inbox / "bundle.gz").write_bytes(content)

    task = await wait_for_task(api, "bundle.gz")

    digest = hashlib.sha256(content).hexdigest()
    assert task["object_url"] == f"s3://{settings.storage.bucket}/by-hash/{digest}.gz"
