"""Manual triggers through the real servers: the host stats the file, FileWorkflow runs it once.

Files under a hidden directory (`.held/`) are never picked up by the agent's watcher, so only
a manual trigger can start them. Also here: a running task keeps the rule version it started
with while rules are published and rolled back.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.worker import Replayer

from activities.s3 import make_s3_client
from sluice.contracts import DetectedFile
from sluice.settings import Settings
from tests.e2e.agent_support import count_runs, eventually
from tests.e2e.flow import keep_history, publish, wait_for_task
from watcher.agent import Agent
from workflows.manual_trigger import ManualTriggerWorkflow

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

TASKS = "/api/v1/tasks"
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

RULE = {
    "name": "held-logs",
    "match": {"suffixes": [".log"]},
    "pipeline": [{"upload": {"key": "{agent}/{relpath}"}}, {"verify": {}}],
}


def root_of(inbox: Path) -> str:
    """The root as the agent reports it: resolved."""
    return str(inbox.resolve())


async def register(api: httpx.AsyncClient, settings: Settings, inbox: Path) -> None:
    """Register the test's agent (as `sluice agent` with an api_url would) with its root."""
    body = {"id": settings.agent.id, "hostname": "test-host", "roots": [root_of(inbox)]}
    response = await api.post("/api/v1/agents/register", json=body)
    assert response.status_code == 200, response.text


def held(inbox: Path, name: str, content: bytes) -> Path:
    path = inbox / ".held" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return path


def expected_id(settings: Settings, inbox: Path, path: Path) -> str:
    """The workflow id the agent would give this file: its size and mtime are part of it."""
    st = path.stat()
    root = inbox.resolve()
    file = DetectedFile(
        settings.agent.id, "test-host", str(root), path.relative_to(root).as_posix(),
        st.st_size, st.st_mtime_ns, "",
    )  # fmt: skip
    return file.workflow_id


async def trigger(api: httpx.AsyncClient, body: dict[str, Any], **params: Any) -> httpx.Response:
    return await api.post(TASKS, json=body, params=params)


async def task_reaches(
    api: httpx.AsyncClient, task_id: str, status: str, within: float = 60.0
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        nonlocal seen
        response = await api.get(f"{TASKS}/{task_id}")
        seen = response.json() if response.status_code == 200 else {}
        return seen.get("status") == status

    await eventually(reached, within, f"task {task_id} {status} (last seen {seen})")
    return seen


async def test_a_held_file_runs_once_when_triggered_and_again_on_request(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    temporal_client: Client,
) -> None:
    publish(database, RULE)
    await register(api, settings, inbox)
    content = b"OutOfMemoryError\n" * 100
    path = held(inbox, "app.log", content)

    started = await trigger(api, {"agent_id": settings.agent.id, "path": str(path)})
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["status"] == "started" and body["id"] == expected_id(settings, inbox, path)
    assert (body["root"], body["rel_path"]) == (root_of(inbox), ".held/app.log")
    assert body["trigger_id"].startswith("manual-")
    # The trigger's history replays: its workflow code is deterministic.
    history = await temporal_client.get_workflow_handle(body["trigger_id"]).fetch_history()
    await Replayer(workflows=[ManualTriggerWorkflow]).replay_workflow(history)
    await keep_history(temporal_client, body["trigger_id"], "manual_trigger_started")
    task = await task_reaches(api, body["id"], "succeeded")
    key = f"{settings.agent.id}/.held/app.log"
    assert task["object_url"] == f"s3://{settings.storage.bucket}/{key}"
    assert s3.get_object(Bucket=settings.storage.bucket, Key=key)["Body"].read() == content
    assert task["file_event"]["id"] == body["file_event_id"]

    again = await trigger(api, {"agent_id": settings.agent.id, "path": ".held/app.log"})
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["id"]) == ("existing", body["id"])
    assert await count_runs(temporal_client, settings.agent.id) == 1
    status = (await api.get(f"{TASKS}/triggers/{again.json()['trigger_id']}")).json()
    assert (status["status"], status["id"]) == ("existing", body["id"])

    rerun = await trigger(api, {"file_event_id": body["file_event_id"]})
    assert rerun.status_code == 201, rerun.text
    assert (rerun.json()["id"], rerun.json()["retry_of"]) == (f"{body['id']}-r2", body["id"])
    await task_reaches(api, rerun.json()["id"], "succeeded")
    life = (await api.get(f"/api/v1/file-events/{body['file_event_id']}")).json()
    assert [(r["id"], r["retry_of"]) for r in life["runs"]] == [
        (body["id"], None),
        (rerun.json()["id"], body["id"]),
    ]
    audit = (await api.get("/api/v1/audit-logs", params={"action": "task.create"})).json()
    assert [row["resource_id"] for row in audit["items"]] == [
        rerun.json()["id"], body["id"], body["id"],
    ]  # fmt: skip


async def test_a_file_the_agent_shipped_is_answered_with_its_task(
    database: str, running: Agent, api: httpx.AsyncClient, inbox: Path, settings: Settings
) -> None:
    publish(database, RULE)
    await register(api, settings, inbox)
    (inbox / "auto.log").write_text("seen by the watcher\n")
    shipped = await wait_for_task(api, "auto.log")

    response = await trigger(api, {"agent_id": settings.agent.id, "path": "auto.log"})

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["id"]) == ("existing", shipped["id"])


async def test_the_host_refuses_escaping_links_missing_files_and_directories(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    tmp_path: Path,
    temporal_client: Client,
) -> None:
    await register(api, settings, inbox)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.log").write_text("not yours\n")
    (inbox / ".held").mkdir()
    os.symlink(outside / "secret.log", inbox / ".held" / "escape.log")
    (inbox / ".held" / "a-directory").mkdir()
    agent = settings.agent.id

    escape = await trigger(api, {"agent_id": agent, "path": ".held/escape.log"})
    assert escape.status_code == 422, escape.text
    assert escape.json()["error"]["code"] == "invalid_path"
    assert "outside the agent's roots" in escape.json()["error"]["message"]
    assert str(outside) not in escape.text  # the refusal does not reveal where the link leads

    long_name = await trigger(api, {"agent_id": agent, "path": "x" * 300 + ".log"})
    assert long_name.status_code == 422, long_name.text  # refused at once, not retried for 1 h
    assert "File name too long (ENAMETOOLONG)" in long_name.json()["error"]["message"]

    missing = await trigger(api, {"agent_id": agent, "path": ".held/nothing.log"})
    assert missing.status_code == 404, missing.text
    assert "nothing.log does not exist" in missing.json()["error"]["message"]

    directory = await trigger(api, {"agent_id": agent, "path": ".held/a-directory"})
    assert directory.status_code == 422, directory.text
    assert "is not a regular file" in directory.json()["error"]["message"]

    dotdot = await trigger(api, {"agent_id": agent, "path": f"{inbox}/../outside/secret.log"})
    assert (dotdot.status_code, dotdot.json()["error"]["code"]) == (422, "invalid_path")
    assert await count_runs(temporal_client, agent) == 0


@pytest.mark.timeout(120)
async def test_an_offline_agent_answers_when_it_comes_back(
    database: str,
    central_worker: None,
    api: httpx.AsyncClient,
    inbox: Path,
    settings: Settings,
    temporal_client: Client,
) -> None:
    publish(database, RULE)
    await register(api, settings, inbox)
    path = held(inbox, "late.log", b"written while the agent was down\n")

    pending = await trigger(api, {"agent_id": settings.agent.id, "path": str(path)}, wait=0.5)
    assert pending.status_code == 202, pending.text
    assert (pending.json()["status"], pending.json()["id"]) == ("pending", None)
    location = pending.headers["location"]
    assert location == f"/api/v1/tasks/triggers/{pending.json()['trigger_id']}"
    assert (await api.get(location)).json()["status"] == "pending"

    agent = Agent(settings, temporal_client, make_s3_client(settings.storage))
    running = asyncio.create_task(agent.run())
    try:

        async def answered() -> bool:
            return (await api.get(location)).json()["status"] == "started"

        await eventually(answered, 60, "the trigger started the file once the agent was up")
        task_id = (await api.get(location)).json()["id"]
        assert task_id == expected_id(settings, inbox, path)
        await task_reaches(api, task_id, "succeeded")
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_running_task_keeps_its_rule_version_through_publish_and_rollback(
    database: str, running: Agent, api: httpx.AsyncClient, inbox: Path, settings: Settings
) -> None:
    with_approval = {**RULE, "pipeline": [{"upload": {}}, {"approve": {"timeout": "5m"}}]}
    rule_id = publish(database, with_approval)
    await register(api, settings, inbox)
    agent = settings.agent.id

    first = await trigger(api, {"agent_id": agent, "path": str(held(inbox, "a.log", b"a\n"))})
    waiting = await task_reaches(api, first.json()["id"], "waiting_approval")
    assert waiting["rule_version"] == 1

    assert (await api.put(f"/api/v1/rules/{rule_id}", json=RULE)).status_code == 200
    assert (await api.post(f"/api/v1/rules/{rule_id}:publish")).json()["live_version"] == 2
    second = await trigger(api, {"agent_id": agent, "path": str(held(inbox, "b.log", b"b\n"))})
    plain = await task_reaches(api, second.json()["id"], "succeeded")
    assert plain["rule_version"] == 2
    assert [s["name"] for s in plain["steps"]] == ["upload", "verify"]

    rolled = await api.post(f"/api/v1/rules/{rule_id}:rollback", json={"version": 1})
    assert rolled.json()["live_version"] == 3
    third = await trigger(api, {"agent_id": agent, "path": str(held(inbox, "c.log", b"c\n"))})
    assert (await task_reaches(api, third.json()["id"], "waiting_approval"))["rule_version"] == 3

    approved = await api.post(f"{TASKS}/{waiting['id']}:approve", json={"approved": True})
    assert approved.status_code == 200, approved.text
    done = await task_reaches(api, waiting["id"], "succeeded")
    assert (done["rule_id"], done["rule_version"]) == (rule_id, 1)
    assert [s["name"] for s in done["steps"]] == ["upload", "approve"]
    assert (await api.post(f"{TASKS}/{third.json()['id']}:cancel")).status_code == 202
    await task_reaches(api, third.json()["id"], "cancelled")
