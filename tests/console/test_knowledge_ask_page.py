"""Using the knowledge base from the console in real Chromium against the real stack: asking
with no LLM configured shows the degraded notice and the ranked entries, an operator's
"Helpful" counts on the entry (through the API) while a viewer at phone width may ask but sees
no feedback buttons; an alert group whose alert matches a published entry lists it on its page
(its first flush matched it through a real worker and Temporal), and "Not helpful" there counts
too."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from sluice.settings import Settings
from store.db import make_engine
from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import PHONE, NewPage
from tests.e2e.agent_support import eventually
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import publish

RUN = uuid.uuid4().hex[:8]  # group ids are global in the shared Temporal namespace
NAME = f"DiskFull{RUN}"
ROUTING = """
routes:
  - name: kbpager
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 24h
    channels: [kbhook]
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings plus a key for channel secrets and a quick outbox drain."""
    notifications = settings.notifications.model_validate({"secret_key": "knowledge ask page key"})
    api = settings.api.model_copy(update={"alert_outbox_interval": 0.5})
    return settings.model_copy(update={"notifications": notifications, "api": api})


async def publish_entry(api: httpx.AsyncClient, title: str) -> int:
    body = {
        "title": title,
        "symptoms": "writes fail, No space left on device",
        "resolution": "configure logrotate",
        "matchers": [f'alertname="{NAME}"'],
        "signature": {"alertname": NAME, "service": "web"},
        "status": "published",
    }
    response = await api.post("/api/v1/knowledge", json=body)
    assert response.status_code == 201, response.text
    entry_id: int = response.json()["id"]
    return entry_id


async def counters(api: httpx.AsyncClient, entry_id: int) -> dict[str, int]:
    counted: dict[str, int] = (await api.get(f"/api/v1/knowledge/{entry_id}")).json()["counters"]
    return counted


async def test_asking_without_an_llm_shows_the_ranked_entries_and_takes_feedback(
    api_url: str, database: str, new_page: NewPage
) -> None:
    operator = issue_token(database, Role.operator, "kb-asker")
    title = f"Log volume {RUN} full on web hosts"
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {operator}"}, timeout=20
    ) as api:
        entry_id = await publish_entry(api, title)

        page = await new_page()
        await page.goto(f"{api_url}/knowledge#token={operator}")
        await page.get_by_label("Question").fill(f"log volume {RUN} full")
        await page.get_by_role("button", name="Ask", exact=True).click()
        await expect(page.get_by_test_id("kb-degraded")).to_contain_text("not_configured")
        ranked = page.get_by_test_id("kb-ranked").locator("li", has_text=title)
        await expect(ranked.get_by_role("link", name=title)).to_have_attribute(
            "href", f"/knowledge/{entry_id}"
        )
        await ranked.get_by_role("button", name="Helpful", exact=True).click()
        await expect(ranked.get_by_role("status")).to_have_text("Thanks, noted.")
        assert (await counters(api, entry_id))["helpful"] == 1
        await page.reload()  # the asks and the feedback count in this week's stats
        await expect(page.get_by_test_id("kb-stats")).to_contain_text("1 helpful")

    viewer = await new_page(viewport=PHONE)
    await viewer.goto(f"{api_url}/knowledge#token={issue_token(database, Role.viewer, 'kb-v2')}")
    await viewer.get_by_label("Question").fill(f"log volume {RUN} full")
    await viewer.get_by_role("button", name="Ask", exact=True).click()
    await expect(viewer.get_by_test_id("kb-ranked")).to_contain_text(title)
    await expect(viewer.get_by_test_id("kb-degraded")).to_be_visible()
    assert await viewer.get_by_role("button", name="Helpful", exact=True).count() == 0
    width = await viewer.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


async def test_a_group_page_lists_its_knowledge_matches_and_takes_feedback(
    api_url: str,
    database: str,
    central_worker: None,
    webhook_peer: WebhookPeer,
    new_page: NewPage,
) -> None:
    operator = issue_token(database, Role.operator, "kb-groups-op")
    source = issue_token(database, Role.alert_source, "kb-groups-source")
    title = f"Disk {RUN} full on /var"
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {operator}"}, timeout=20
    ) as api:
        channel = {"name": "kbhook", "type": "webhook", "config": {"url": webhook_peer.url},
                   "secrets": {"secret": "hook-secret"}}  # fmt: skip
        assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
        publish(make_engine(database), ROUTING)
        entry_id = await publish_entry(api, title)
        alerts = [{"labels": {"alertname": NAME, "service": "web", "run": RUN}}]
        posted = await api.post(
            "/api/v2/alerts", json=alerts, headers={"Authorization": f"Bearer {source}"}
        )
        assert posted.status_code == 200, posted.text

        async def matched() -> dict[str, Any] | None:
            groups = (await api.get("/api/v1/alert-groups", params={"route": "kbpager"})).json()
            if not groups["items"]:
                return None
            detail: dict[str, Any] = (
                await api.get(f"/api/v1/alert-groups/{groups['items'][0]['id']}")
            ).json()
            return detail if detail["knowledge"] else None

        group = await eventually(matched, 60, "the group's knowledge match")
        assert [m["id"] for m in group["knowledge"]] == [entry_id], group.get("knowledge")

        page = await new_page(viewport=PHONE)
        await page.goto(f"{api_url}/alerts/groups/{group['id']}#token={operator}")
        match = page.get_by_test_id("group-knowledge").locator(f'li[data-entry="{entry_id}"]')
        await expect(match).to_contain_text(f"KB-{entry_id}")
        await expect(match.get_by_role("link", name=title)).to_have_attribute(
            "href", f"/knowledge/{entry_id}"
        )
        await expect(match).to_contain_text("matched by")
        await match.get_by_role("button", name="Not helpful", exact=True).click()
        await expect(match.get_by_role("status")).to_have_text("Thanks, noted.")
        assert (await counters(api, entry_id))["not_helpful"] == 1
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
