"""Limits pushed with `PUT /agents/{id}/config` change what a running agent does, no restart:
host-worker concurrency (`max_activities`), the view worker's (`view_activities`) and the cap
on running workflows (`max_in_flight`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from activities.s3 import make_s3_client
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually, with_agent_token
from tests.e2e.flow import publish, wait_for_task
from watcher.agent import Agent

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


@contextlib.asynccontextmanager
async def managed_agent(
    settings: Settings, api_url: str, client: Client, **agent: object
) -> AsyncIterator[tuple[Agent, httpx.AsyncClient]]:
    """A running agent managed by the API, and an admin client of the API."""
    update = {"api_url": api_url, "heartbeat_interval": 0.3, "metrics_port": None, **agent}
    managed = with_agent_token(
        settings.model_copy(update={"agent": settings.agent.model_copy(update=update)})
    )
    running = Agent(managed, client, make_s3_client(managed.storage))
    task = asyncio.create_task(running.run())
    admin = bearer(settings.database_url, Role.admin, "e2e-admin")
    api = httpx.AsyncClient(base_url=api_url, headers=admin)
    try:
        await eventually(
            lambda: _registered(api, managed.agent.id), 20, "agent registered"
        )  # fmt: skip
        yield running, api
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await api.aclose()


async def _registered(api: httpx.AsyncClient, agent_id: str) -> bool:
    return (await api.get(f"/api/v1/agents/{agent_id}")).status_code == 200


async def _push(api: httpx.AsyncClient, agent: Agent, config: dict[str, object]) -> None:
    """PUT the config and wait until the agent has applied that version."""
    url = f"/api/v1/agents/{agent.live.settings.agent.id}/config"
    put = await api.put(url, json={"config": config})
    assert put.status_code == 200, put.text
    version = put.json()["version"]
    await eventually(
        lambda: agent.live.pushed is not None and agent.live.pushed.version == version,
        20,
        "applied",
    )


@pytest.mark.timeout(180)
async def test_host_concurrency_changes_live_without_interrupting_running_activities(
    central_worker: None,
    database: str,
    settings: Settings,
    api_url: str,
    temporal_client: Client,
    inbox: Path,
    tmp_path: Path,
) -> None:
    marks = tmp_path / "marks"  # one file per running script, a line per start
    marks.mkdir()
    hold = f"echo started >> {marks}/{{name}}; while [ ! -e {marks}/release ]; do sleep 0.1; done"
    publish(
        database,
        {
            "name": "hold",
            "match": {"suffixes": [".job"]},
            "pipeline": [{"script": {"command": ["/bin/sh", "-c", hold]}}],
        },
    )
    async with managed_agent(
        settings, api_url, temporal_client, script_allow=["/bin/sh"], max_activities=4
    ) as (agent, api):
        await _push(api, agent, {"max_activities": 1})
        for name in ("a.job", "b.job", "c.job"):
            (inbox / name).write_text(name)

        await eventually(lambda: len(list(marks.iterdir())) == 1, 60, "one script running")
        await eventually(lambda: agent.spool.count("dispatched") == 3, 30, "three dispatched")
        await asyncio.sleep(3)  # room for a second script to start, were the limit not there
        assert len(list(marks.iterdir())) == 1

        await _push(api, agent, {"max_activities": 3})
        await eventually(lambda: len(list(marks.iterdir())) == 3, 30, "three scripts at once")
        # The script that held the only slot ran on, once: the worker was not restarted.
        assert [path.read_text() for path in sorted(marks.iterdir())] == ["started\n"] * 3

        (marks / "release").touch()
        for name in ("a.job", "b.job", "c.job"):
            task = await wait_for_task(api, name, within=60)
            [step] = task["steps"]
            assert [a["status"] for a in step["attempt_history"]] == ["succeeded"]


@pytest.mark.timeout(180)
async def test_the_in_flight_cap_changes_live(
    settings: Settings, api_url: str, temporal_client: Client, inbox: Path
) -> None:
    """No worker runs the workflows here, so each one started stays running."""
    async with managed_agent(settings, api_url, temporal_client) as (agent, api):
        await _push(api, agent, {"max_in_flight": 2})
        for i in range(5):
            (inbox / f"f{i}.log").write_text(str(i))

        await eventually(lambda: agent.spool.count("dispatched") == 2, 30, "two started")
        await eventually(lambda: agent.spool.depth() == 3, 30, "three held back")
        await asyncio.sleep(5)  # several visibility refreshes: still at the cap
        assert agent.spool.count("dispatched") == 2

        await _push(api, agent, {"max_in_flight": 4})
        await eventually(lambda: agent.spool.count("dispatched") == 4, 30, "two more started")
        await _push(api, agent, {"max_in_flight": 0})  # no cap
        await eventually(lambda: agent.spool.depth() == 0, 30, "the rest started")
        assert agent.spool.count("dispatched") == 5


@pytest.mark.timeout(120)
async def test_view_slots_change_live_apart_from_the_upload_slots(
    settings: Settings, api_url: str, temporal_client: Client
) -> None:
    async with managed_agent(settings, api_url, temporal_client, max_activities=4) as (agent, api):
        await eventually(lambda: agent.view_worker.slots is not None, 20, "view worker running")
        views, uploads = agent.view_worker.slots, agent.host_worker.slots
        assert views is not None and uploads is not None and (views.limit, uploads.limit) == (2, 4)

        await _push(api, agent, {"view_activities": 5})
        assert (views.limit, uploads.limit) == (5, 4)
        assert agent.view_worker.slots is views  # resized in place: looks in flight carry on
        refused = await api.put(
            f"/api/v1/agents/{agent.live.settings.agent.id}/config",
            json={"config": {"view_activities": 0}},
        )
        assert refused.status_code == 422 and "view_activities" in refused.text
