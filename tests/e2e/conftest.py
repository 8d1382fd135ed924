"""End-to-end fixtures: a worker and an agent on the real servers, the API, a private Temporal."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from temporalio.client import Client

from activities.s3 import make_s3_client
from api.app import create_app
from bench.servers import OwnTemporal
from sluice.cli.schedules import remove_schedules
from sluice.cli.servers import free_port
from sluice.cli.worker import run_worker
from sluice.settings import Settings
from store.db import migrate
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually
from watcher.agent import Agent


@pytest.fixture
def database(settings: Settings) -> str:
    """This test's migrated metadata DB."""
    migrate(settings.database_url)
    return settings.database_url


@pytest.fixture
async def central_worker(
    database: str, settings: Settings, temporal_client: Client
) -> AsyncIterator[None]:
    """`sluice worker` for this test's task queue, in-process."""
    task = asyncio.create_task(run_worker(settings, temporal_client))
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await remove_schedules(temporal_client, settings.temporal.task_queue)  # the worker made them


@pytest.fixture
def own_temporal(tmp_path: Path) -> Iterator[OwnTemporal]:
    """A Temporal dev server of this test's own, which the test may stop and start again."""
    server = OwnTemporal(tmp_path / "temporal")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def running(
    central_worker: None, settings: Settings, temporal_client: Client
) -> AsyncIterator[Agent]:
    """A worker and an agent for this test's queue and inbox, stopped afterwards."""
    agent = Agent(settings, temporal_client, make_s3_client(settings.storage))
    task = asyncio.create_task(agent.run())
    yield agent
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
async def api(
    database: str, settings: Settings, temporal_client: Client
) -> AsyncIterator[httpx.AsyncClient]:
    """The API in-process with its lifespan (the alert dispatcher runs in it), as an admin
    (a token issued in this test's DB)."""
    app = create_app(settings)
    app.state.temporal = temporal_client
    transport = httpx.ASGITransport(app=app)
    headers = bearer(database, Role.admin, "e2e-admin")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers) as client,
    ):
        yield client


@pytest.fixture
async def api_url(settings: Settings) -> AsyncIterator[str]:
    """The real API under uvicorn on a loopback port, in this event loop."""
    migrate(settings.database_url)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, 20, "API started")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    with contextlib.suppress(Exception):
        await asyncio.wait_for(task, 10)
