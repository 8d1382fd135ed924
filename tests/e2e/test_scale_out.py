"""Two `sluice api`, two `sluice worker` and two agents, as processes on one Temporal, one
PostgreSQL (empty at start: the replicas migrate it together) and one S3, under a burst of
files and alerts: every file once, every alert group notified once, one agent monitor and
one daily-report schedule, a token revoked on one API refused by the other, a publish on one
seen by the other, and a worker SIGKILLed mid-run losing nothing.

Each group's alerts arrive in two deliveries, one to each API, well inside its group_wait;
group_interval is a day, so a second message for a group could only be a duplicate."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from bench.servers import PostgresServer
from sluice.cli.schedules import agent_monitor_id, daily_report_id, remove_schedules
from sluice.settings import StorageSettings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually
from tests.e2e.scale_out_support import Fleet, base_env
from tests.peers.chat import WebhookPeer

FILES_PER_AGENT = 20
GROUPS, PER_GROUP = 20, 10
RUN = uuid.uuid4().hex[:8]
ROUTING = """
routes:
  - name: ops
    group_by: [alertname, run]
    group_wait: 10s
    group_interval: 24h
    repeat_interval: 24h
    channels: [hook]
"""
UPLOAD_ALL = {"name": "all", "match": {"suffixes": [".log"]},
              "pipeline": [{"upload": {"key": "{agent}/{relpath}"}}]}  # fmt: skip


@pytest.fixture
def empty_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database with no schema: the replicas' start-up migrates it."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture
def fleet(
    tmp_path: Path,
    empty_database: str,
    temporal_address: str,
    storage_settings: StorageSettings,
    task_queue: str,
) -> Iterator[Fleet]:
    env = base_env(
        SLUICE_DATABASE_URL=empty_database,
        SLUICE_TEMPORAL__ADDRESS=temporal_address,
        SLUICE_TEMPORAL__TASK_QUEUE=task_queue,
        SLUICE_STORAGE__ENDPOINT_URL=str(storage_settings.endpoint_url),
        SLUICE_STORAGE__BUCKET=storage_settings.bucket,
        SLUICE_NOTIFICATIONS__SECRET_KEY="scale-out secret key",
        SLUICE_NOTIFICATIONS__DAILY_REPORT_CHANNELS='["hook"]',
        SLUICE_API__ALERT_OUTBOX_INTERVAL="0.5",
        SLUICE_LOG_FORMAT="json",
    )
    fleet = Fleet(tmp_path, env)
    yield fleet
    fleet.stop_all()


def alert(group: int, instance: int) -> dict[str, Any]:
    return {
        "labels": {"alertname": f"G{group:02}", "instance": f"i{instance}", "run": RUN},
        "annotations": {"summary": "scale-out"},
        "startsAt": "2026-12-06T05:00:00Z",
    }


@pytest.mark.timeout(420)
async def test_two_of_everything_process_each_file_and_alert_group_once(
    fleet: Fleet,
    empty_database: str,
    temporal_client: Client,
    task_queue: str,
    webhook_peer: WebhookPeer,
    tmp_path: Path,
) -> None:
    apis = [fleet.api("api-1"), fleet.api("api-2")]
    fleet.start("worker-1", "worker")
    fleet.start("worker-2", "worker")
    fleet.wait_ready(apis)
    fleet.wait_logged("worker-1", "agent monitor")
    fleet.wait_logged("worker-2", "agent monitor")
    admin = bearer(empty_database, Role.admin, "scale-admin")
    source = bearer(empty_database, Role.alert_source, "prometheus")
    one, two = (httpx.AsyncClient(base_url=url, headers=admin, timeout=30) for url in apis)
    try:
        await _publish_on_one_seen_on_the_other(one, two, webhook_peer)
        await _revoked_on_one_refused_on_the_other(one, two)

        inboxes = [tmp_path / "inbox-1", tmp_path / "inbox-2"]
        fleet.agent("agent-1", inboxes[0])
        fleet.agent("agent-2", inboxes[1])
        fleet.wait_logged("agent-1", "watching")
        fleet.wait_logged("agent-2", "watching")

        # Half the files, then every alert; a worker dies while both are in flight.
        _drop(inboxes, range(FILES_PER_AGENT // 2))
        await eventually(lambda: _succeeded(two, at_least=1), 90, "a first file done")
        await _post_alerts(apis, source)
        fleet.kill("worker-1")
        _drop(inboxes, range(FILES_PER_AGENT // 2, FILES_PER_AGENT))

        tasks = await eventually(
            lambda: _succeeded(one, at_least=2 * FILES_PER_AGENT), 150, "every file done"
        )
        names = Counter((t["agent_id"], t["rel_path"]) for t in tasks)
        assert len(names) == 2 * FILES_PER_AGENT and set(names.values()) == {1}, names
        assert {t["status"] for t in tasks} == {"succeeded"}
        for agent in ("agent-1", "agent-2"):
            runs = await temporal_client.count_workflows(f"SluiceAgent = '{agent}'")
            assert runs.count == FILES_PER_AGENT  # one workflow per file: none started twice

        await eventually(lambda: len(_per_group(webhook_peer)) == GROUPS, 150, "every group")
        await asyncio.sleep(3)  # room for a duplicate to show up
        per_group = _per_group(webhook_peer)
        assert set(per_group.values()) == {1}, per_group
        assert all(m["title"].startswith(f"[Sluice] FIRING:{PER_GROUP} ")
                   for m in webhook_peer.accepted)  # fmt: skip

        await _one_of_each_schedule(temporal_client, task_queue)
        _a_file_followed_by_its_workflow_id(fleet, tasks)
    finally:
        await one.aclose()
        await two.aclose()
        fleet.stop_all()
        await remove_schedules(temporal_client, task_queue)


async def _publish_on_one_seen_on_the_other(
    one: httpx.AsyncClient, two: httpx.AsyncClient, peer: WebhookPeer
) -> None:
    channel = {"name": "hook", "type": "webhook", "config": {"url": peer.url},
               "secrets": {"secret": "hook-secret"}}  # fmt: skip
    assert (await two.post("/api/v1/channels", json=channel)).status_code == 201
    saved = await one.post("/api/v1/alert-routing/versions", json={"text": ROUTING})
    assert saved.status_code == 201, saved.text
    version = saved.json()["version"]
    published = await one.post(f"/api/v1/alert-routing/versions/{version}:publish")
    assert published.status_code == 200, published.text
    assert (await two.get("/api/v1/alert-routing")).json()["version"] == version

    rule = await two.post("/api/v1/rules", json=UPLOAD_ALL)
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]
    assert (await two.post(f"/api/v1/rules/{rule_id}:publish")).status_code == 200
    assert (await one.get(f"/api/v1/rules/{rule_id}")).json()["live_version"] == 1


async def _revoked_on_one_refused_on_the_other(
    one: httpx.AsyncClient, two: httpx.AsyncClient
) -> None:
    made = await one.post("/api/v1/tokens", json={"name": "short-lived", "role": "viewer"})
    assert made.status_code == 201, made.text
    theirs = {"Authorization": f"Bearer {made.json()['token']}"}
    assert (await two.get("/api/v1/tasks", headers=theirs)).status_code == 200
    assert (await one.post(f"/api/v1/tokens/{made.json()['id']}:revoke")).status_code == 200
    assert (await two.get("/api/v1/tasks", headers=theirs)).status_code == 401


def _drop(inboxes: list[Path], numbers: range) -> None:
    for inbox in inboxes:
        for n in numbers:
            (inbox / f"f{n:02}.log").write_text(f"{inbox.name} file {n}\n" * 100)


async def _post_alerts(apis: list[str], source: dict[str, str]) -> None:
    """Each group: half its alerts to one API, half to the other, back to back."""
    half = PER_GROUP // 2
    async with httpx.AsyncClient(headers=source, timeout=30) as http:
        for group in range(GROUPS):
            for part in (0, 1):
                batch = [alert(group, i) for i in range(part * half, (part + 1) * half)]
                url = apis[(group + part) % 2]
                response = await http.post(f"{url}/api/v2/alerts", json=batch)
                assert response.status_code == 200, response.text


async def _succeeded(api: httpx.AsyncClient, at_least: int) -> list[dict[str, Any]] | None:
    items = (await api.get("/api/v1/tasks", params={"limit": 500})).json()["items"]
    done = [t for t in items if t["status"] == "succeeded"]
    return items if len(done) >= at_least else None


def _per_group(peer: WebhookPeer) -> Counter[str]:
    return Counter(m["title"].split("alertname=")[1].split(",")[0] for m in peer.accepted)


async def _one_of_each_schedule(client: Client, task_queue: str) -> None:
    """Both workers ensured the schedules at start: one of each exists, one monitor runs."""
    ours = [s.id async for s in await client.list_schedules() if s.id.startswith(task_queue)]
    assert ours == [daily_report_id(task_queue)]
    monitors = await client.count_workflows(
        f"WorkflowType = 'AgentMonitorLoop' AND TaskQueue = '{task_queue}' "
        "AND ExecutionStatus = 'Running'"
    )
    assert monitors.count == 1
    handle = client.get_workflow_handle(agent_monitor_id(task_queue))
    assert (await handle.describe()).status is not None


def _a_file_followed_by_its_workflow_id(fleet: Fleet, tasks: list[dict[str, Any]]) -> None:
    """The agent's JSON line that dispatched a file and the worker's that finished it carry
    the same workflow_id and task_id; every agent line carries the agent's id."""
    task = next(t for t in tasks if t["agent_id"] == "agent-2")
    agent_lines = fleet.json_lines("agent-2")
    assert all(line.get("agent_id") == "agent-2" for line in agent_lines)
    ids = {"workflow_id": task["workflow_id"], "task_id": task["id"]}
    dispatched = [line for line in agent_lines if line["message"].startswith("dispatched")]
    finished = [line for name in ("worker-1", "worker-2") for line in fleet.json_lines(name)
                if line["message"].startswith(f"task {task['workflow_id']} succeeded")]  # fmt: skip
    assert any(ids.items() <= line.items() for line in dispatched), dispatched[:3]
    assert finished and all(ids.items() <= line.items() for line in finished), finished
