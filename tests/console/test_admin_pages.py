"""The Files, Agents, Channels, Audit and Tokens pages in real Chromium against the real API:
a channel to a loopback webhook sends a test that shows in the delivery history; a token's
secret is shown once, the token revoked, both in the audit log's diffs; a running agent is
listed and a saved config bumps its version; a viewer reads these pages without any button
that changes something."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect
from pydantic import SecretStr
from temporalio.client import Client

from activities.s3 import make_s3_client
from sluice.settings import NotificationSettings, Settings
from store.db import make_engine
from store.models import Role, utcnow
from tests.api.seeding import seed_agent, seed_task
from tests.api.tokens import bearer, issue_token
from tests.console.conftest import PHONE, NewPage
from tests.console.test_rules_page import replace_yaml
from tests.e2e.agent_support import eventually, with_agent_token
from tests.peers.chat import WebhookPeer
from watcher.agent import Agent

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings with a key for the channels' secrets (API and worker share it)."""
    key = NotificationSettings(secret_key=SecretStr("console test key, long enough"))
    return settings.model_copy(update={"notifications": key})


async def test_a_channel_to_a_loopback_webhook_sends_a_test_seen_in_the_history(
    central_worker: None, api_url: str, database: str, webhook_peer: WebhookPeer, new_page: NewPage
) -> None:
    page = await new_page()
    await page.goto(f"{api_url}/channels#token=" + issue_token(database, Role.operator, "ch-op"))
    await page.get_by_role("button", name="New channel").click()
    form = page.locator("form.channel-form")
    await form.get_by_label("Name").fill("ops-hook")
    await form.get_by_label("Config (YAML or JSON)").fill(f"url: {webhook_peer.url}\n")
    await form.get_by_label("Secret secret").fill("hook-secret")
    await form.get_by_role("button", name="Create channel").click()

    card = page.locator('li.channel[data-channel="ops-hook"]')
    await expect(card.locator('[data-secret="secret"]')).to_have_text("secret: set")
    await expect(form).to_have_count(0)  # the form closes once the list has refetched
    assert "hook-secret" not in await page.content()  # write-only: never shown back
    await card.get_by_role("button", name="Send a test").click()
    await expect(card.get_by_test_id("test-result")).to_have_text("Test message sent.")
    assert len(webhook_peer.accepted) == 1 and webhook_peer.rejected == 0  # signed
    history = page.locator("table.notifications tbody tr")
    await expect(history).to_have_count(1)
    await expect(history.first).to_contain_text("ops-hook")
    await expect(history.first).to_contain_text("sent")

    # Renamed with the secret left blank: it is kept (the peer still checks the signature).
    await card.get_by_role("button", name="Edit").click()
    secret = page.locator("form.channel-form").get_by_label("Secret secret")
    await expect(secret).to_have_value("")
    await expect(secret).to_have_attribute("placeholder", "set — leave blank to keep")
    await page.locator("form.channel-form").get_by_label("Name").fill("ops-hook-2")
    await page.get_by_role("button", name="Save", exact=True).click()
    renamed = page.locator('li.channel[data-channel="ops-hook-2"]')
    await renamed.get_by_role("button", name="Send a test").click()
    await expect(renamed.get_by_test_id("test-result")).to_have_text("Test message sent.")
    assert len(webhook_peer.accepted) == 2 and webhook_peer.rejected == 0
    await expect(history).to_have_count(2)

    # The history's filters go into the URL.
    await page.get_by_label("Channel").select_option(label="ops-hook-2")
    await expect(page).to_have_url(re.compile(r"/channels\?channel_id=\d+$"))
    await expect(history).to_have_count(2)
    await page.get_by_label("Status").select_option("failed")
    await expect(page.get_by_text("Nothing sent yet.")).to_be_visible()


async def test_a_token_shows_its_secret_once_and_revoking_it_ends_its_session(
    api_url: str, database: str, new_page: NewPage
) -> None:
    page = await new_page()
    await page.goto(f"{api_url}/tokens#token=" + issue_token(database, Role.admin, "tok-admin"))
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.get_by_label("Name").fill("ci-reader")
    await page.get_by_label("Role").select_option("viewer")
    await page.get_by_role("button", name="Create token").click()
    shown = page.get_by_test_id("new-token")
    await expect(shown).to_contain_text("it will not be shown again")
    secret = await shown.get_by_label("New token").input_value()
    await shown.get_by_role("button", name="Copy").click()
    await expect(shown).to_contain_text("Copied.")
    assert await page.evaluate("navigator.clipboard.readText()") == secret
    row = page.locator('table.tokens tr[data-token="ci-reader"]')
    await expect(row).to_contain_text("viewer")

    reader = await new_page()
    await reader.goto(f"{api_url}/files#token={secret}")  # the secret is a working token
    await expect(reader.get_by_test_id("principal")).to_contain_text("ci-reader")

    await page.reload()
    await expect(row).to_be_visible()
    await expect(shown).to_have_count(0)
    assert secret not in await page.content()  # shown once only
    await row.get_by_role("button", name="Revoke").click()
    await page.get_by_role("button", name="Yes, revoke it").click()
    await expect(row).to_contain_text("revoked")
    await expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    await reader.reload()
    await expect(reader.get_by_label("API token")).to_be_visible()  # its session has ended

    # The audit log has both changes; the revocation's diff is against the creation's result.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    await page.get_by_label("Resource type").select_option("token")
    await expect(page).to_have_url(re.compile(r"/audit\?resource_type=token$"))
    revoked = page.locator('.audit-rows li[data-action="token.revoke"]')
    created = page.locator('.audit-rows li[data-action="token.create"]', has_text="by tok-admin")
    await expect(created).to_have_count(1)
    await revoked.locator("summary").click()
    await expect(revoked.get_by_test_id("diff")).to_contain_text("-revoked_at: null")
    await expect(revoked.get_by_test_id("diff")).to_contain_text("+revoked_at: ")
    assert secret not in await page.content()  # the audit log keeps no secret either


@pytest.fixture
async def managed_agent(
    settings: Settings, api_url: str, temporal_client: Client, inbox: Path
) -> AsyncIterator[Agent]:
    """An agent that registers with the API and heartbeats quickly (it takes pushed configs)."""
    config = {"api_url": api_url, "heartbeat_interval": 0.3, "metrics_port": None}
    managed = settings.model_copy(update={"agent": settings.agent.model_copy(update=config)})
    managed = with_agent_token(managed)
    agent = Agent(managed, temporal_client, make_s3_client(managed.storage))
    task = asyncio.create_task(agent.run())
    yield agent
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_running_agent_is_listed_and_a_saved_config_bumps_its_version(
    managed_agent: Agent, api_url: str, database: str, new_page: NewPage
) -> None:
    agent_id = managed_agent.live.settings.agent.id
    page = await new_page()
    await page.goto(f"{api_url}/agents#token=" + issue_token(database, Role.admin, "agent-admin"))
    row = page.locator(f'table.agents tr[data-agent-id="{agent_id}"]')
    await expect(row).to_contain_text("online")
    await expect(row).to_contain_text("test-host")
    await row.get_by_role("link", name=agent_id).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(agent_id)
    version = page.get_by_test_id("config-version")
    await expect(version).to_contain_text("Config version 0.")
    await expect(page.get_by_text("No config pushed yet")).to_be_visible()

    await replace_yaml(page, "silence: 0.2\nfavourite_colour: blue\n")
    await page.get_by_role("button", name="Save as new version").click()
    problem = page.locator("ul.problems li")
    await expect(problem).to_contain_text("Line 2:")
    await expect(problem).to_contain_text("favourite_colour")
    await expect(version).to_contain_text("Config version 0.")  # refused: no new version

    await replace_yaml(page, "silence: 0.2\nlabels:\n  env: console\n")
    await page.get_by_role("button", name="Save as new version").click()
    await expect(version).to_contain_text("Config version 1.")
    await expect(version).to_contain_text("The agent runs version 1.")  # applied live
    await expect(page.locator('table.versions tr[data-version="1"]')).to_contain_text("agent-admin")
    await expect(page.get_by_test_id("diff")).to_contain_text("+silence: 0.2")
    await eventually(lambda: managed_agent.live.settings.agent.silence == 0.2, 20, "applied")


async def test_an_admin_removes_an_offline_agent_after_confirming(
    api_url: str, database: str, new_page: NewPage
) -> None:
    engine = make_engine(database)
    seed_agent(engine, "gone-host", silent_s=3600.0, status="offline")
    seed_agent(engine, "busy-host", silent_s=1.0)
    engine.dispose()
    page = await new_page()
    await page.goto(f"{api_url}/agents/busy-host#token=" + issue_token(database, Role.admin, "rm"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("busy-host")
    await expect(page.get_by_role("button", name="Remove agent")).to_have_count(0)  # online

    await page.goto(f"{api_url}/agents/gone-host")
    await page.get_by_role("button", name="Remove agent").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Remove agent gone-host (gone-host)?")
    await dialog.get_by_role("button", name="Keep").click()  # asked first: nothing removed
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("gone-host")

    await page.get_by_role("button", name="Remove agent").click()
    await page.get_by_role("dialog").get_by_role("button", name="Remove", exact=True).click()
    await expect(page).to_have_url(re.compile("/agents$"))
    await expect(page.locator('table.agents tr[data-agent-id="busy-host"]')).to_have_count(1)
    await expect(page.locator('table.agents tr[data-agent-id="gone-host"]')).to_have_count(0)


async def test_a_viewer_reads_these_pages_without_buttons_that_change_things(
    api_url: str, database: str, new_page: NewPage
) -> None:
    engine = make_engine(database)
    task_id = seed_task(engine, utcnow(), "succeeded")
    seed_agent(engine, "host-a", silent_s=1.0)
    engine.dispose()
    async with httpx.AsyncClient(base_url=api_url, headers=bearer(database)) as admin:
        hook = {"name": "team-hook", "type": "webhook", "config": {"url": "http://127.0.0.1:9"}}
        assert (await admin.post("/api/v1/channels", json=hook)).status_code == 201

    page = await new_page(viewport=PHONE)
    await page.goto(f"{api_url}/files#token=" + issue_token(database, Role.viewer, "pg-viewer"))
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Files", "Agents", "Channels"):
        await expect(nav.get_by_role("link", name=name)).to_be_visible()
    for name in ("Audit log", "Tokens"):
        await expect(nav.get_by_role("link", name=name)).to_have_count(0)

    file_row = page.locator("table.files tbody tr", has_text=f"{task_id}.log")
    await expect(file_row).to_contain_text("1 run(s)")
    await expect(file_row).to_contain_text("succeeded")
    await assert_fits(page)
    await file_row.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{task_id}.log")
    await expect(page.locator("ol.timeline li[data-event='detected']")).to_have_count(1)
    await page.locator(f'.file-runs li[data-task-id="{task_id}"]').get_by_role("link").click()
    await expect(page).to_have_url(re.compile(f"/tasks/{task_id}$"))

    await page.goto(f"{api_url}/agents/host-a")
    await expect(page.get_by_role("heading", level=1)).to_have_text("host-a")
    await expect(page.get_by_test_id("config-version")).to_contain_text("Config version 0.")
    await expect(page.locator(".cm-content")).to_have_attribute("contenteditable", "false")
    await expect(page.get_by_role("button", name="Save as new version")).to_have_count(0)
    await expect(page.get_by_text("Only admins can push a config.")).to_be_visible()

    await page.goto(f"{api_url}/channels")
    card = page.locator('li.channel[data-channel="team-hook"]')
    await expect(card).to_contain_text("secret: not set")
    await assert_fits(page)
    mutating = page.get_by_role("button").filter(
        has_text=re.compile("New channel|Send a test|Edit|Delete")
    )
    await expect(mutating).to_have_count(0)

    await page.goto(f"{api_url}/tokens")
    await expect(page.get_by_text("Only admins manage tokens.")).to_be_visible()
    await page.goto(f"{api_url}/audit")
    await expect(page.get_by_role("alert")).to_contain_text("Not allowed")  # the API's 403


async def assert_fits(page: Page) -> None:
    """Nothing makes the page scroll sideways (at the phone's 390 px)."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
