"""Agent detail → Files, Tail, Search in real Chromium on the real stack (a real agent's host
worker answers): browse into a directory, open a log, follow it, search it, analyse it."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import expect

from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import NewPage
from tests.e2e.conftest import api  # noqa: F401
from watcher.agent import Agent


def root_of(inbox: Path) -> str:
    return str(inbox.resolve())


async def test_browse_tail_follow_search_and_analyse_a_log(
    running: Agent,
    api_url: str,
    api: httpx.AsyncClient,  # noqa: F811
    database: str,
    inbox: Path,
    settings: Settings,
    new_page: NewPage,
) -> None:
    agent = settings.agent.id
    body = {"id": agent, "hostname": "test-host", "roots": [root_of(inbox)]}
    assert (await api.post("/api/v1/agents/register", json=body)).status_code == 200
    log = inbox / "app" / "service.log"
    log.parent.mkdir()
    log.write_text("".join(f"INFO step {i}\n" for i in range(1, 51)) + "ERROR disk full\n")

    page = await new_page()
    await page.goto(f"{api_url}/agents/{agent}#token=" + issue_token(database, Role.operator, "op"))
    views = page.locator("section.host-views")
    await views.get_by_role("button", name=root_of(inbox)).click()
    await views.get_by_role("button", name="app/").click()
    await expect(views.locator("tr[data-name='service.log']")).to_be_visible()
    await expect(views.get_by_role("button", name="Upload")).to_be_visible()
    await views.get_by_role("button", name="service.log").click()

    lines = views.get_by_label("Tail")
    await expect(lines).to_contain_text("ERROR disk full")
    await views.get_by_label("Follow").check()
    await expect(views.get_by_text("following…")).to_be_visible()
    with log.open("a") as handle:
        handle.write("WARN written while following password=hunter2\n")
    await expect(lines).to_contain_text("WARN written while following password=***")
    await views.get_by_label("Follow").uncheck()

    await views.get_by_role("tab", name="Search").click()
    await views.get_by_label("Keyword or regex").fill(r"step 4\d$")
    await views.get_by_label("Regex (RE2)").check()
    await views.get_by_role("button", name="Search", exact=True).click()
    matches = views.locator("table.host-matches tr")
    await expect(matches).to_have_count(10)
    await expect(matches.first).to_contain_text("40")

    await views.get_by_role("tab", name="Tail").click()
    await views.get_by_role("button", name="Analyse this file").click()
    card = views.locator(".analysis-card")
    await expect(card).to_be_visible(timeout=60_000)
    await expect(card.locator(".severity")).not_to_be_empty()
