"""The agent page's Resources panel in real Chromium against the real API and an agent on
this host: gauges with sparklines, disks, top processes; a viewer sees no Terminate button;
an admin terminates an allow-listed busy process only after typing its name; a disk over its
threshold shows as a firing HostDiskFull on the agent's page, linked to the alert."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from temporalio.client import Client

from activities.s3 import make_s3_client
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import NewPage
from tests.e2e.agent_support import with_agent_token
from watcher.agent import Agent

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

RESOURCES = {"interval": 0.5, "terminate": {"enabled": True, "allow_names": ["sh"]}}


StartAgent = Callable[[dict[str, Any]], AbstractAsyncContextManager[Agent]]


@pytest.fixture
def start_agent(
    settings: Settings, api_url: str, central_worker: None, temporal_client: Client, inbox: Path
) -> StartAgent:
    """Runs an agent that registers with the API and samples with these `resources`."""

    @asynccontextmanager
    async def running(resources: dict[str, Any]) -> AsyncIterator[Agent]:
        config = {"api_url": api_url, "heartbeat_interval": 0.3, "metrics_port": None,
                  "resources": resources}  # fmt: skip
        agent_cfg = settings.agent.model_validate({**settings.agent.model_dump(), **config})
        managed = with_agent_token(settings.model_copy(update={"agent": agent_cfg}))
        agent = Agent(managed, temporal_client, make_s3_client(managed.storage))
        task = asyncio.create_task(agent.run())
        try:
            yield agent
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    return running


@pytest.fixture
async def sampling_agent(start_agent: StartAgent) -> AsyncIterator[Agent]:
    """Samples every half second and lets admins terminate `sh` processes."""
    async with start_agent(RESOURCES) as agent:
        yield agent


@pytest.mark.timeout(180)
async def test_resources_panel_and_an_admin_terminating_a_busy_process(
    sampling_agent: Agent, api_url: str, database: str, new_page: NewPage
) -> None:
    agent_id = sampling_agent.live.settings.agent.id
    busy = await asyncio.create_subprocess_exec("sh", "-c", "while :; do :; done")
    try:
        viewer = await new_page()
        await viewer.goto(
            f"{api_url}/agents/{agent_id}#token=" + issue_token(database, Role.viewer)
        )
        panel = viewer.locator("section.resources")
        await expect(panel.get_by_role("heading", name="Resources")).to_be_visible()
        await expect(panel.get_by_test_id("disks").locator("tbody tr").first).to_be_visible()
        await expect(panel.locator("svg.sparkline polyline").first).to_be_attached()
        busy_row = panel.get_by_test_id("top-cpu").locator(f'tr[data-pid="{busy.pid}"]')
        await expect(busy_row).to_contain_text("sh", timeout=30_000)
        await expect(panel.get_by_role("button", name="Terminate")).to_have_count(0)

        admin = await new_page()
        await admin.goto(f"{api_url}/agents/{agent_id}#token=" + issue_token(database, Role.admin))
        row = admin.get_by_test_id("top-cpu").locator(f'tr[data-pid="{busy.pid}"]')
        await row.get_by_role("button", name="Terminate").click(timeout=30_000)
        dialog = admin.get_by_role("dialog", name="Terminate")
        confirm = dialog.get_by_role("button", name="Terminate process")
        await expect(dialog).to_contain_text(f"Send SIGTERM to process {busy.pid} (sh)")
        await dialog.get_by_role("textbox").fill("bash")
        await expect(confirm).to_be_disabled()
        await dialog.get_by_role("textbox").fill("sh")
        await confirm.click()
        await expect(dialog.get_by_role("status")).to_contain_text(
            f"Sent SIGTERM to {busy.pid}: it exited."
        )
        assert await asyncio.wait_for(busy.wait(), 10) < 0
    finally:
        if busy.returncode is None:
            busy.kill()
            await busy.wait()


@pytest.mark.timeout(180)
async def test_a_disk_over_its_threshold_fires_on_the_agents_page(
    start_agent: StartAgent, api_url: str, database: str, new_page: NewPage
) -> None:
    # The test machine's own disk: a few percent of it are always used, so a threshold of 1 %
    # is a "filling disk" with nothing written and nothing to clean up.
    disk = {"above": 0.01, "for": "1s", "severity": "critical"}
    async with start_agent({"interval": 0.5, "thresholds": {"disk_used_ratio": disk}}) as agent:
        agent_id = agent.live.settings.agent.id
        page = await new_page()
        await page.goto(f"{api_url}/agents/{agent_id}#token=" + issue_token(database, Role.viewer))
        firing = page.locator("section.host-alerts li[data-alertname='HostDiskFull']").first
        await expect(firing).to_contain_text("critical", timeout=60_000)
        await expect(firing).to_contain_text(f"agent={agent_id}")
        mount = page.get_by_test_id("disks").locator("tbody tr").first
        await expect(mount).to_be_visible()
        await firing.get_by_role("link", name="HostDiskFull").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("HostDiskFull")
