"""A sidecar that was down when a rule set was published catches up when it comes back.

Real API (uvicorn), central worker and Temporal dev server, real `sluice config-agent`
process, Debian's Prometheus. `config_sync.agent_wait` is 3 s here (10 min by default), so the
rollout published while no sidecar runs fails as `config_agent_absent` without the test
waiting for a clock: it waits for the workflow to be failed. Started then, the sidecar's
status report starts the rollout again and the target converges with no other action.
A rollout the target refused (a Prometheus without --web.enable-lifecycle) is not retried by
the reports that follow it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from sluice.contracts.config_sync import AGENT_ABSENT, config_queue, rollout_id
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer, issue_token
from tests.e2e.agent_support import eventually
from tests.e2e.config_loop_support import config_agent, rules, terminate
from tests.fixtures.prometheus import prometheus_server

pytestmark = pytest.mark.usefixtures("central_worker")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Sidecars are absent after 3 s; every report is checked for catch-up (no rate limit to
    speak of: what keeps reports from starting rollouts is the test's subject)."""
    sync = settings.config_sync.model_copy(update={"agent_wait": 3.0, "catch_up_interval": 1e-3})
    return settings.model_copy(update={"config_sync": sync})


@asynccontextmanager
async def admin(settings: Settings, api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = bearer(settings.database_url, Role.admin, "olga")
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as api:
        yield api


@contextmanager
def sidecar(
    tmp_path: Path, settings: Settings, api_url: str, target: str, flags: list[str]
) -> Iterator[tuple[str, Path]]:
    """A Prometheus (with `flags`) and the target's `sluice config-agent` beside it: the
    Prometheus URL and the sidecar's log."""
    directory = tmp_path / "sluice-rules"
    directory.mkdir()
    (tmp_path / "prometheus").mkdir()
    extra = {"rule_files": [str(directory / "*.yml")]}
    token = issue_token(settings.database_url, Role.config_agent, target)
    log = tmp_path / "config-agent.log"
    with prometheus_server(tmp_path / "prometheus", {}, extra, flags) as prometheus:
        process = config_agent(settings, api_url, target, token, prometheus, directory, log)
        try:
            yield prometheus, log
        finally:
            terminate(process)


async def add_target(api: httpx.AsyncClient, target: str, run: str) -> None:
    made = await api.post("/api/v1/config-targets", json={
        "name": target, "kind": "prometheus", "rule_sets": [f"late-{run}"],
    })  # fmt: skip
    assert made.status_code == 201, made.text


async def publish(api: httpx.AsyncClient, target: str, run: str) -> dict[str, Any]:
    """The run's rule set, written and published to `target`."""
    written = await api.post("/api/v1/rule-sets", json={"name": f"late-{run}", "text": rules(run)})
    assert written.status_code == 201, written.text
    live = await api.post(f"/api/v1/rule-sets/late-{run}/versions/1:publish")
    assert live.status_code == 200, live.text
    (start,) = live.json()["rollouts"]
    assert start["started"], start
    return dict(start)


async def reports(api: httpx.AsyncClient, target: str, count: int) -> None:
    """Wait for `count` more status reports of the target's sidecar."""
    seen = ""

    async def after() -> str:
        shown = (await api.get(f"/api/v1/config-targets/{target}")).json()
        return str(shown["reported_at"]) if (shown["reported_at"] or "") > seen else ""

    for _ in range(count + 1):  # the first is the last report so far
        seen = await eventually(after, 30, "a report")


async def polling(temporal: Client, target: str) -> None:
    """Wait until the target's sidecar polls its task queue: a rollout started sooner would
    find no sidecar within the 3 s `agent_wait` (its start takes longer on a busy machine)."""
    request = DescribeTaskQueueRequest(
        namespace=temporal.namespace,
        task_queue=TaskQueue(name=config_queue(target)),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    )

    async def polled() -> bool:
        return bool((await temporal.workflow_service.describe_task_queue(request)).pollers)

    await eventually(polled, 60, f"{target}'s sidecar polls its task queue")


async def failure_type(temporal: Client, workflow_id: str) -> str:
    """The failure type of the workflow once it has failed ("" while it has not)."""
    handle = temporal.get_workflow_handle(workflow_id)
    if (await handle.describe()).status != WorkflowExecutionStatus.FAILED:
        return ""
    try:
        await handle.result()
    except WorkflowFailureError as exc:
        assert isinstance(exc.cause, ApplicationError), exc.cause
        return exc.cause.type or "untyped"
    raise AssertionError("failed, yet it has a result")


async def test_a_sidecar_back_after_missing_a_rollout_converges_without_a_new_publish(
    tmp_path: Path, settings: Settings, api_url: str, temporal_client: Client
) -> None:
    run = uuid.uuid4().hex[:8]
    target = f"late-{run}"
    async with admin(settings, api_url) as api:
        await add_target(api, target, run)
        start = await publish(api, target, run)  # no sidecar runs yet
        workflow_id = rollout_id(target, start["digest"])
        assert start["workflow_id"] == workflow_id
        failed = await eventually(
            lambda: failure_type(temporal_client, workflow_id), 60, "the rollout failed"
        )
        assert failed == AGENT_ABSENT
        rows = (await api.get(f"/api/v1/config-targets/{target}/rollouts")).json()
        assert len(rows) == 1

        flags = ["--web.enable-lifecycle"]
        with sidecar(tmp_path, settings, api_url, target, flags) as (prometheus, log):

            async def in_sync() -> bool:
                shown = (await api.get(f"/api/v1/config-targets/{target}")).json()
                return bool(shown["in_sync"] and shown["live_version"] == start["version"])

            try:
                await eventually(in_sync, 90, "the target caught up")
            except AssertionError:
                raise AssertionError(log.read_text()[-3000:]) from None
            loaded = (await api.get(f"{prometheus}/api/v1/rules")).json()
            assert [g["name"] for g in loaded["data"]["groups"]] == [f"sluice-loop-{run}"]
            handle = temporal_client.get_workflow_handle(workflow_id)

            async def completed() -> bool:  # the sidecar reports before the workflow ends
                return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

            await eventually(completed, 30, "the caught-up rollout completed")
            rows = (await api.get(f"/api/v1/config-targets/{target}/rollouts")).json()
            assert len(rows) >= 2 and all(r["started_at"] for r in rows)
            assert {r["workflow_id"] for r in rows} == {workflow_id}
            await reports(api, target, 3)  # in sync: the reports that follow start nothing
            again = (await api.get(f"/api/v1/config-targets/{target}/rollouts")).json()
            assert again == rows


async def test_a_version_the_target_refused_is_not_retried_by_its_reports(
    tmp_path: Path, settings: Settings, api_url: str, temporal_client: Client
) -> None:
    run = uuid.uuid4().hex[:8]
    target = f"refuses-{run}"
    async with admin(settings, api_url) as api:
        # No --web.enable-lifecycle: Prometheus refuses POST /-/reload.
        # The target first: the sidecar's reports about an unknown one back off for a minute.
        await add_target(api, target, run)
        with sidecar(tmp_path, settings, api_url, target, []):
            await polling(temporal_client, target)
            start = await publish(api, target, run)
            workflow_id = rollout_id(target, start["digest"])
            failed = await eventually(
                lambda: failure_type(temporal_client, workflow_id), 90, "the rollout failed"
            )
            assert failed == "config_not_applied"
            run_id = (await temporal_client.get_workflow_handle(workflow_id).describe()).run_id
            # (a report racing the publish may record its start twice: one run all the same)
            rows = (await api.get(f"/api/v1/config-targets/{target}/rollouts")).json()

            await reports(api, target, 3)  # each checked for catch-up
            shown = (await api.get(f"/api/v1/config-targets/{target}")).json()
            assert not shown["in_sync"] and "--web.enable-lifecycle" in shown["error"]
        described = await temporal_client.get_workflow_handle(workflow_id).describe()
        assert described.run_id == run_id and described.status == WorkflowExecutionStatus.FAILED
        assert (await api.get(f"/api/v1/config-targets/{target}/rollouts")).json() == rows
