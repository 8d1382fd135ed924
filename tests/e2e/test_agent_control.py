"""The control plane manages a running agent: register, heartbeat, live config push."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from activities.s3 import make_s3_client
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually, with_agent_token
from watcher.agent import Agent

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


def _managed(settings: Settings, api_url: str) -> Settings:
    agent = settings.agent.model_copy(
        update={"api_url": api_url, "heartbeat_interval": 0.3, "metrics_port": None}
    )
    return settings.model_copy(update={"agent": agent})


@pytest.mark.timeout(120)
async def test_config_pushed_from_the_api_is_applied_live_and_cached(
    settings: Settings, api_url: str, temporal_client: Client, inbox: Path
) -> None:
    root = str(inbox.resolve())  # noqa: ASYNC240 (a test setup step, not on a hot path)
    managed = with_agent_token(_managed(settings, api_url))
    agent_id = managed.agent.id
    agent = Agent(managed, temporal_client, make_s3_client(managed.storage))
    task = asyncio.create_task(agent.run())
    admin = bearer(settings.database_url, Role.admin, "e2e-admin")
    api = httpx.AsyncClient(base_url=f"{api_url}/api/v1", headers=admin)
    try:
        await eventually(lambda: _status(api, agent_id), 20, "agent registered")
        shown = (await api.get(f"/agents/{agent_id}")).json()
        assert shown["roots"] == [root] and shown["hostname"] == "test-host"

        pushed = {"include_suffixes": [".csv"], "silence": 0.2, "labels": {"env": "test"}}
        put = await api.put(f"/agents/{agent_id}/config", json={"config": pushed})
        assert put.json()["version"] == 1
        await eventually(
            lambda: agent.live.settings.agent.include_suffixes == [".csv"], 20, "applied"
        )
        await eventually(lambda: _applied(api, agent_id, 1), 20, "agent reports version 1")

        (inbox / "skipped.txt").write_text("not a csv any more")
        (inbox / "kept.csv").write_text("a,b\n")
        await eventually(lambda: agent.spool.count("dispatched") == 1, 20, "csv dispatched")
        await asyncio.sleep(1.0)
        assert [path for path, _, _ in agent.spool.known_versions()] == [f"{root}/kept.csv"]

        bad = await api.put(f"/agents/{agent_id}/config", json={"config": {"roots": ["/nope"]}})
        assert bad.status_code == 200  # valid shape; only the host can tell the root is missing
        await eventually(lambda: "/nope" in agent.live.last_error, 20, "bad config refused")
        assert agent.live.settings.agent.include_suffixes == [".csv"]  # last good config kept
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await api.aclose()

    # Restarted with the control plane unreachable: the cached config (version 1) applies.
    offline = _managed(settings, "http://127.0.0.1:9")
    again = Agent(offline, temporal_client, make_s3_client(offline.storage))
    try:
        await again.live.connect_control_plane()
        assert again.live.settings.agent.include_suffixes == [".csv"]
        assert again.live.pushed is not None and again.live.pushed.version == 1
        assert "unreachable" in again.live.last_error
    finally:
        again.spool.close()
        await again.live.close()


async def _status(api: httpx.AsyncClient, agent_id: str) -> bool:
    response = await api.get(f"/agents/{agent_id}")
    return response.status_code == 200 and response.json()["status"] == "online"


async def _applied(api: httpx.AsyncClient, agent_id: str, version: int) -> bool:
    return bool((await api.get(f"/agents/{agent_id}")).json()["applied_config_version"] == version)


@pytest.mark.timeout(60)
async def test_an_agent_needs_its_own_agent_token(
    settings: Settings, api_url: str, temporal_client: Client
) -> None:
    """No token: 401; another agent's token: 403; the control plane records nothing."""
    other = settings.model_copy(
        update={"agent": settings.agent.model_copy(update={"id": "someone-else"})}
    )
    borrowed = with_agent_token(other).agent.token
    for token, status in ((None, "401"), (borrowed, "403")):
        managed = _managed(settings, api_url)
        managed = managed.model_copy(
            update={"agent": managed.agent.model_copy(update={"token": token})}
        )
        agent = Agent(managed, temporal_client, make_s3_client(managed.storage))
        try:
            await agent.live.connect_control_plane()
            assert f"answered {status}" in agent.live.last_error
        finally:
            agent.spool.close()
            await agent.live.close()
    admin = bearer(settings.database_url, Role.admin, "e2e-admin")
    async with httpx.AsyncClient(base_url=f"{api_url}/api/v1", headers=admin) as api:
        assert (await api.get("/agents")).json() == []
