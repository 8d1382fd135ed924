"""What the records keep of a run: each attempt as it happened, cancellations as such."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from temporalio.client import Client

from sluice.settings import Settings
from tests.e2e.flow import keep_history, publish, steps_by_name, wait_for_task
from tests.e2e.test_pipeline import object_exists, rule
from watcher.agent import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


async def test_cancel_while_waiting_for_approval_keeps_the_upload_and_its_compensation(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    temporal_client: Client,
) -> None:
    publish(database, rule({"upload": {}}, {"approve": {"timeout": "5m"}}))
    (inbox / "export.log").write_text("quarterly export\n")
    waiting = await wait_for_task(api, "export.log", status="waiting_approval")
    cancelled = await api.post(f"/api/v1/tasks/{waiting['id']}:cancel")
    assert cancelled.status_code == 202, cancelled.text
    task = await wait_for_task(api, "export.log", status="cancelled")

    steps = steps_by_name(task)
    approve, upload = steps["approve"], steps["upload"]
    assert (approve["status"], approve["error_class"]) == ("cancelled", "cancelled")
    assert [a["status"] for a in approve["attempt_history"]] == ["cancelled"]
    # The upload happened, then was undone: both are on record, in that order.
    assert [(a["attempt"], a["status"]) for a in upload["attempt_history"]] == [
        (1, "succeeded"),
        (2, "compensated"),
    ]
    assert (upload["status"], upload["attempts"]) == ("compensated", 1)
    assert upload["summary"]["undone"].startswith("deleted s3://")
    assert not object_exists(s3, settings.storage.bucket, "test-host/export.log")

    detail = await api.get(f"/api/v1/file-events/{task['file_event']['id']}")
    assert detail.status_code == 200, detail.text
    uploads = [
        (e["attempt"], e["status"])
        for e in detail.json()["timeline"]
        if e["event"] == "step.attempt" and e["step"] == "upload"
    ]
    assert uploads == [(1, "succeeded"), (2, "compensated")]
    await keep_history(temporal_client, task["workflow_id"], "approval_cancelled_compensated")
