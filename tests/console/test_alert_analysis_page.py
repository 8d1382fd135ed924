"""The alert group page's analysis panel in real Chromium against the real stack: alerts posted
to the API make a group through the outbox, a real worker and Temporal; a published knowledge
entry matches it. Without an LLM, an operator sees that the group has no analysis, clicks
Analyse and sees the built-in analysis appear marked `not_configured`, citing the entry; asks
again and finds the first among the earlier analyses; the alert's page shows the analysis in
a line linking to the group; a viewer sees it without the button. With an LLM (a loopback
OpenAI-compatible peer that takes its time), the panel says it is analysing, then shows the
model's answer, not degraded."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from sluice.settings import Settings
from store.db import make_engine
from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import PHONE, NewPage
from tests.e2e.agent_support import eventually
from tests.peers.chat import WebhookPeer
from tests.peers.llm import OpenAIPeer
from tests.workflows.alert_groups import publish

ROUTING = """
routes:
  - name: lag
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 24h
    channels: [hook]
"""
ENTRY = {
    "title": "Replication lag",
    "symptoms": "ReplicationLag fires on the primary",
    "cause": "long transactions",
    "resolution": "- end the transaction\n- check the WAL",
    "status": "published",
}


@pytest.fixture
def llm() -> bool:
    """Whether the stack has an LLM (a test parametrizes it to True)."""
    return False


@pytest.fixture
def settings(settings: Settings, llm: bool, openai_peer: OpenAIPeer) -> Settings:
    """The session settings plus a key for channel secrets, a quick outbox drain and, when
    `llm`, the loopback LLM (no `ai.base_url` otherwise: the built-in analysis answers)."""
    secrets = {"secret_key": "alert analysis key"}
    update: dict[str, Any] = {
        "notifications": settings.notifications.model_validate(secrets),
        "api": settings.api.model_copy(update={"alert_outbox_interval": 0.5}),
    }
    if llm:
        ai = {"base_url": openai_peer.base_url, "api_key": "sk-test", "max_retries": 0}
        update["ai"] = settings.ai.model_validate(ai)
    return settings.model_copy(update=update)


async def a_group(
    api: httpx.AsyncClient, database: str, webhook_peer: WebhookPeer, run: str
) -> tuple[dict[str, Any], int]:
    """A firing group of one ReplicationLag alert (its first message sent), and the id of the
    published knowledge entry that matches it."""
    source = issue_token(database, Role.alert_source, "analysis-source")
    channel = {"name": "hook", "type": "webhook", "config": {"url": webhook_peer.url},
               "secrets": {"secret": "hook-secret"}}  # fmt: skip
    assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
    created = await api.post("/api/v1/knowledge", json=ENTRY)
    assert created.status_code == 201, created.text
    publish(make_engine(database), ROUTING)
    alerts = [{"labels": {"alertname": "ReplicationLag", "instance": "db1", "run": run}}]
    posted = await api.post(
        "/api/v2/alerts", json=alerts, headers={"Authorization": f"Bearer {source}"}
    )
    assert posted.status_code == 200, posted.text
    await eventually(lambda: len(webhook_peer.accepted) == 1, 30, "the group's message")
    [group] = (await api.get("/api/v1/alert-groups", params={"route": "lag"})).json()["items"]
    return group, created.json()["id"]


def panel_analysis(page: Page) -> Any:
    """The newest analysis the panel shows (not the earlier ones)."""
    return page.get_by_test_id("group-analysis").locator(":scope > .analysis-view")


async def test_an_operator_asks_for_the_built_in_analysis_without_an_llm(
    api_url: str,
    database: str,
    central_worker: None,
    webhook_peer: WebhookPeer,
    new_page: NewPage,
) -> None:
    operator = issue_token(database, Role.operator, "analysis-op")
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {operator}"}, timeout=20
    ) as api:
        group, entry_id = await a_group(api, database, webhook_peer, uuid.uuid4().hex[:8])
        page = await new_page()
        await page.goto(f"{api_url}/alerts/groups/{group['id']}#token={operator}")
        panel = page.get_by_test_id("group-analysis")
        await expect(panel).to_contain_text("No analysis of this group yet.")
        await expect(page.get_by_test_id("analysis-history")).to_have_count(0)

        await page.get_by_role("button", name="Analyse", exact=True).click()
        badge = panel_analysis(page).get_by_test_id("analysis-degraded")
        await expect(badge).to_have_text("built-in analysis (LLM unavailable: not_configured)")
        await expect(page.get_by_test_id("analysis-running")).to_have_count(0)
        await expect(panel).not_to_contain_text("No analysis of this group yet.")
        await expect(panel_analysis(page).get_by_test_id("analysis-summary")).not_to_be_empty()
        origin = panel_analysis(page).get_by_test_id("analysis-origin")
        await expect(origin).to_contain_text("Asked by analysis-op")
        await expect(origin).to_contain_text("model builtin")
        used = panel_analysis(page).get_by_test_id("analysis-knowledge").get_by_role("link")
        await expect(used).to_have_text("Replication lag")  # the group's match names it
        assert await used.get_attribute("href") == f"/knowledge/{entry_id}"
        first = (await api.get(f"/api/v1/alert-groups/{group['id']}")).json()["analysis"]
        assert first["degraded"] and first["error_class"] == "not_configured"
        assert (first["trigger"], first["actor"]) == ("on_demand", "analysis-op")
        assert first["knowledge"] == [f"KB-{entry_id}"]

        await page.get_by_role("button", name="Analyse again").click()
        await expect(panel_analysis(page)).not_to_have_attribute("data-analysis", str(first["id"]))
        await page.get_by_text("Earlier analyses").click()
        earlier = page.locator(".analysis-history > ol > li")
        await expect(earlier).to_have_count(1)
        await expect(earlier).to_contain_text("not_configured")
        await earlier.locator("summary").click()
        shown_before = earlier.locator(f'[data-analysis="{first["id"]}"]')
        await expect(shown_before).to_be_visible()
        await expect(shown_before.get_by_role("link")).to_have_text("Replication lag")
        analyses = (await api.get(f"/api/v1/alert-groups/{group['id']}/analyses")).json()
        assert [a["id"] for a in analyses][1:] == [first["id"]]

        detail = (await api.get(f"/api/v1/alert-groups/{group['id']}")).json()
        await page.goto(f"{api_url}/alerts/{detail['alerts'][0]['fingerprint']}")
        line = page.get_by_test_id("group-analysis-line")
        await expect(line).to_contain_text("Analysis: ")
        line_badge = line.get_by_test_id("analysis-degraded")
        await expect(line_badge).to_contain_text("not_configured")
        await expect(line_badge).to_be_visible()  # after a summary shortened to one line
        await line.get_by_role("link").click()
        await expect(page).to_have_url(f"{api_url}/alerts/groups/{group['id']}")

        viewer = await new_page(viewport=PHONE)
        token = issue_token(database, Role.viewer, "analysis-viewer")
        await viewer.goto(f"{api_url}/alerts/groups/{group['id']}#token={token}")
        await expect(panel_analysis(viewer).get_by_test_id("analysis-degraded")).to_be_visible()
        assert await viewer.get_by_role("button", name="Analyse").count() == 0
        width = await viewer.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width


@pytest.mark.parametrize("llm", [True])
async def test_an_operator_sees_the_llm_analysis_appear(
    api_url: str,
    database: str,
    central_worker: None,
    webhook_peer: WebhookPeer,
    openai_peer: OpenAIPeer,
    new_page: NewPage,
) -> None:
    operator = issue_token(database, Role.operator, "analysis-op")
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {operator}"}, timeout=20
    ) as api:
        group, entry_id = await a_group(api, database, webhook_peer, uuid.uuid4().hex[:8])
        openai_peer.content = json.dumps({
            "summary": "Replication lag on the primary database.",
            "severity": "high",
            "causes": ["A long-running transaction holds the WAL"],
            "actions": [{"action": "Find and end the long transaction", "risk": "medium"}],
            "confidence": 0.7,
            "knowledge": [f"KB-{entry_id}"],
        })  # fmt: skip
        openai_peer.default, openai_peer.slow_s = "slow", 3.0  # long enough to see it run
        page = await new_page()
        await page.goto(f"{api_url}/alerts/groups/{group['id']}#token={operator}")
        await expect(page.get_by_test_id("group-analysis")).to_contain_text("No analysis")

        await page.get_by_role("button", name="Analyse", exact=True).click()
        await expect(page.get_by_test_id("analysis-running")).to_be_visible()
        await expect(page.get_by_role("button", name="Analyse", exact=True)).to_be_disabled()
        shown = panel_analysis(page)
        await expect(shown.get_by_test_id("analysis-summary")).to_have_text(
            "Replication lag on the primary database."
        )
        await expect(page.get_by_test_id("analysis-running")).to_have_count(0)
        await expect(shown.get_by_test_id("analysis-degraded")).to_have_count(0)
        await expect(shown).to_contain_text("confidence 70%")
        await expect(shown.get_by_test_id("analysis-causes")).to_have_text(
            "A long-running transaction holds the WAL"
        )
        await expect(shown.get_by_test_id("analysis-actions")).to_contain_text(
            "Find and end the long transaction medium risk"
        )
        await expect(shown.get_by_test_id("analysis-origin")).to_contain_text("model gpt-4o-mini")
        link = shown.get_by_test_id("analysis-knowledge").get_by_role("link")
        assert await link.get_attribute("href") == f"/knowledge/{entry_id}"
        await expect(page.get_by_role("button", name="Analyse again")).to_be_enabled()
        assert len(openai_peer.prompts) == 1
