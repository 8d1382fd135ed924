"""What the Temporal Web UI shows of a FileWorkflow: the file, the rule, each activity."""

from __future__ import annotations

from pathlib import Path

import httpx
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client

from sluice.settings import Settings
from tests.e2e.flow import publish, wait_for_task
from tests.e2e.test_pipeline import rule
from watcher.agent import Agent


async def test_a_file_run_says_which_file_rule_and_step_it_is(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    temporal_client: Client,
) -> None:
    publish(database, rule({"upload": {}}, {"approve": {"timeout": "5m"}}, name="audit"))
    (inbox / "audit.log").write_bytes(b"x" * 3000)
    waiting = await wait_for_task(api, "audit.log", status="waiting_approval")
    handle = temporal_client.get_workflow_handle(waiting["workflow_id"])

    where = f"test-host:{inbox}/audit.log"
    described = await handle.describe()
    assert await described.static_summary() == f"{where} (2.9 KiB)"
    details = await described.static_details() or ""
    assert f"- path: {inbox}/audit.log" in details and "- size: 3000 bytes" in details
    assert f"(agent {settings.agent.id})" in details
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert metadata.current_details == "rule **audit** v1: upload → approve"

    await api.post(f"/api/v1/tasks/{waiting['id']}:cancel")
    await wait_for_task(api, "audit.log", status="cancelled")
    converter = temporal_client.data_converter.payload_converter
    summaries = [
        converter.from_payload(event.user_metadata.summary, str)
        async for event in handle.fetch_history_events()
        if event.HasField("activity_task_scheduled_event_attributes")
    ]
    key = "test-host/audit.log"
    assert summaries == [
        f"upload: {where} to s3://{settings.storage.bucket}/{key}",
        "upload: delete object",  # the compensation, on cancel
    ]
