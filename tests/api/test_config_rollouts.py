"""Publishing starts ConfigRolloutWorkflow on a real Temporal dev server (no worker: the
workflow's start, id, queue and input are what the control plane owns), once per target and
digest, and a pending rollout starts when Temporal is back."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowExecutionStatus

from api.services.config_render import pending_row
from api.services.config_rollouts import RolloutStart, list_rollouts, record
from sluice.contracts.config_sync import CONFIG_ROLLOUT_WORKFLOW, RolloutInput, rollout_id
from tests.api.config_sync_support import RULES, api, created, published, settings_for


async def started_input(temporal: Client, workflow_id: str) -> dict[str, object]:
    handle = temporal.get_workflow_handle(workflow_id)
    async for event in handle.fetch_history_events():
        attributes = event.workflow_execution_started_event_attributes
        payload = attributes.input.payloads[0]
        data: dict[str, object] = json.loads(payload.data)
        return data
    raise AssertionError("no start event")


async def test_publish_starts_one_rollout_per_target_and_digest(
    db_url: str, temporal_client: Client
) -> None:
    queue = f"config-{uuid.uuid4().hex[:8]}"
    settings = settings_for(
        db_url, temporal={"address": temporal_client.service_client.config.target_host,
                          "task_queue": queue},
    )  # fmt: skip
    target = f"prom-{uuid.uuid4().hex[:8]}"
    async with api(settings, temporal_client) as client:
        await created(client, "/api/v1/config-targets", name=target, kind="prometheus",
                      rule_sets=["node"])  # fmt: skip
        await created(client, "/api/v1/rule-sets", name="node", text=RULES)
        result = await published(client, "/api/v1/rule-sets/node/versions/1:publish")
        (start,) = result["rollouts"]
        assert start["started"] and not result["rollout_pending"]
        assert start["workflow_id"] == rollout_id(target, start["digest"])
        description = await temporal_client.get_workflow_handle(start["workflow_id"]).describe()
        assert description.workflow_type == CONFIG_ROLLOUT_WORKFLOW
        assert description.task_queue == queue
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert await started_input(temporal_client, start["workflow_id"]) == {
            "target": target, "version": start["version"], "digest": start["digest"],
            "agent_wait": settings.config_sync.agent_wait,
        }  # fmt: skip
        # Asking again uses the running workflow: one rollout per target and digest.
        again = (await client.post(f"/api/v1/config-targets/{target}:rollout")).json()
        assert again[0]["started"] and again[0]["workflow_id"] == start["workflow_id"]
        described = await temporal_client.get_workflow_handle(start["workflow_id"]).describe()
        assert described.run_id == description.run_id
        rows = (await client.get(f"/api/v1/config-targets/{target}/rollouts")).json()
        assert all(r["started_at"] for r in rows) and len(rows) == 2
        await temporal_client.get_workflow_handle(start["workflow_id"]).terminate("test over")


async def test_a_pending_rollout_starts_with_the_next_status_report(
    db_url: str, temporal_client: Client
) -> None:
    from store.models import Role
    from tests.api.tokens import bearer

    target = f"prom-{uuid.uuid4().hex[:8]}"
    down = settings_for(db_url)
    async with api(down) as client:
        await created(client, "/api/v1/config-targets", name=target, kind="prometheus",
                      rule_sets=["node"])  # fmt: skip
        await created(client, "/api/v1/rule-sets", name="node", text=RULES)
        result = await published(client, "/api/v1/rule-sets/node/versions/1:publish")
        assert result["rollout_pending"]
    up = settings_for(
        db_url, temporal={"address": temporal_client.service_client.config.target_host,
                          "task_queue": "config-tests"},
    )  # fmt: skip
    async with api(up, temporal_client) as client:
        headers = bearer(db_url, Role.config_agent, target)
        body = {"version": 0, "digest": "", "disk_digest": "", "drift": False}
        ack = await client.put(
            f"/api/v1/config-targets/{target}/status", json=body, headers=headers
        )
        (start,) = ack.json()["rollouts"]
        assert start["started"], start
        rows = (await client.get(f"/api/v1/config-targets/{target}/rollouts")).json()
        assert [bool(r["started_at"]) for r in rows] == [True]
        await temporal_client.get_workflow_handle(start["workflow_id"]).terminate("test over")


def test_a_rollout_started_twice_at_once_is_one_row_unless_asked_for_by_hand(
    db_engine: Engine,
) -> None:
    """A publish records its pending row, commits, then starts the workflow; a sidecar's
    report (or the watch) may start that pending rollout in between. Both then record the
    start: it stays one row. A rollout asked for by hand (`:rollout`, a catch-up) is a row of
    its own."""
    rollout = RolloutInput(f"race-{uuid.uuid4().hex[:6]}", 3, "e" * 64)
    with Session(db_engine) as session:
        session.add(pending_row(rollout))
        session.commit()
    start = RolloutStart(rollout.target, 3, rollout.digest, pending_row(rollout).workflow_id, True)

    record(db_engine, [start], False)  # the report's start
    record(db_engine, [start], False)  # the publish's own, a moment later
    with Session(db_engine) as session:
        rows = list_rollouts(session, target=rollout.target)
    assert len(rows) == 1 and rows[0].started_at is not None

    record(db_engine, [start], True)  # by hand
    with Session(db_engine) as session:
        assert len(list_rollouts(session, target=rollout.target)) == 2
