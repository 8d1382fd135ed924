"""The alert group pages in real Chromium against the real stack: alerts posted to the API make a
group through the outbox, a real worker and Temporal (its message goes to a loopback webhook);
an operator finds it in the list, opens it, goes to an alert and back through its group link,
sees that no knowledge entry matches it, is refused an ack until a past time (409), acks,
unacks, assigns and resolves it, each outcome shown in the page and kept by the API; a viewer
sees the group at phone width but no buttons."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlmodel import Session

from sluice.settings import Settings
from store.db import make_engine
from store.models import AlertGroup, Role
from tests.api.tokens import issue_token
from tests.console.conftest import PHONE, NewPage
from tests.e2e.agent_support import eventually
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import publish

RUN = uuid.uuid4().hex[:8]  # group ids are global in the shared Temporal namespace
ROUTING = """
routes:
  - name: pager
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 24h
    channels: [hook]
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings plus a key for channel secrets and a quick outbox drain."""
    notifications = settings.notifications.model_validate({"secret_key": "alert groups key"})
    api = settings.api.model_copy(update={"alert_outbox_interval": 0.5})
    return settings.model_copy(update={"notifications": notifications, "api": api})


async def group_of(api: httpx.AsyncClient) -> dict[str, Any]:
    groups = (await api.get("/api/v1/alert-groups", params={"route": "pager"})).json()
    [group] = groups["items"]
    detail: dict[str, Any] = (await api.get(f"/api/v1/alert-groups/{group['id']}")).json()
    return detail


async def decided(page: Page, text: str) -> None:
    await expect(page.get_by_test_id("group-decided")).to_contain_text(text)


async def test_an_operator_acks_unacks_assigns_and_resolves_a_group(
    api_url: str,
    database: str,
    central_worker: None,
    webhook_peer: WebhookPeer,
    new_page: NewPage,
) -> None:
    operator = issue_token(database, Role.operator, "groups-op")
    source = issue_token(database, Role.alert_source, "groups-source")
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {operator}"}, timeout=20
    ) as api:
        channel = {"name": "hook", "type": "webhook", "config": {"url": webhook_peer.url},
                   "secrets": {"secret": "hook-secret"}}  # fmt: skip
        assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
        publish(make_engine(database), ROUTING)
        alerts = [{"labels": {"alertname": "Down", "instance": name, "run": RUN}}
                  for name in ("a", "b")]  # fmt: skip
        posted = await api.post(
            "/api/v2/alerts", json=alerts, headers={"Authorization": f"Bearer {source}"}
        )
        assert posted.status_code == 200, posted.text
        await eventually(lambda: len(webhook_peer.accepted) == 1, 30, "the group's message")

        page = await new_page()
        await page.goto(f"{api_url}/alerts/groups#token={operator}")
        row = page.locator("table.group-list tbody tr", has_text=f"run={RUN}")
        await expect(row).to_contain_text("firing 2 of 2")
        await expect(row).to_contain_text("pager")
        await page.get_by_label("Acknowledged").select_option("true")
        await expect(page).to_have_url(f"{api_url}/alerts/groups?acked=true")
        await expect(page.get_by_text("No alert groups.")).to_be_visible()
        await page.get_by_label("Acknowledged").select_option("false")
        await row.get_by_role("link").click()

        await expect(page.get_by_role("heading", level=1)).to_contain_text(f"run={RUN}")
        await expect(page.get_by_test_id("group-route")).to_have_text("pager")
        facts = page.locator("dl.facts > div")  # each term sits over its value in one cell
        await expect(facts).to_have_count(7)
        for fact in await facts.all():
            term = await fact.locator("dt").bounding_box()
            value = await fact.locator("dd").bounding_box()
            assert term and value and term["x"] == value["x"] and value["y"] > term["y"]
        await expect(page.get_by_test_id("group-knowledge")).to_contain_text(
            "No knowledge entry matches this group."  # no entry was written
        )
        members = page.locator("table.group-alerts tbody tr")
        await expect(members).to_have_count(2)
        first = (await group_of(api))["alerts"][0]["fingerprint"]
        link = page.locator(f'table.group-alerts tr[data-fingerprint="{first}"] a')
        assert await link.get_attribute("href") == f"/alerts/{first}"
        await link.click()  # the alert's page names its group and links back to it
        named = page.get_by_test_id("alert-groups").locator("li")
        await expect(named).to_have_count(1)
        await expect(named).to_contain_text(f"run={RUN}")
        await expect(named).to_contain_text("route pager")
        await named.get_by_role("link").click()
        await expect(page.get_by_test_id("group-route")).to_have_text("pager")

        past = (datetime.now().astimezone() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        await page.get_by_label("Ack until (optional)").fill(past)
        await page.get_by_role("button", name="Ack", exact=True).click()
        refusal = page.get_by_role("alert")  # the workflow's validator says no: 409
        await expect(refusal).to_contain_text("Not possible now: until: must be in the future")
        assert (await group_of(api))["acked_by"] == ""

        until = (datetime.now().astimezone() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        await page.get_by_label("Ack until (optional)").fill(until)
        await page.get_by_role("button", name="Ack", exact=True).click()
        await decided(page, "Acknowledged")
        await expect(refusal).to_have_count(0)
        await expect(page.get_by_test_id("group-acked")).to_contain_text("by groups-op, until")
        group = await group_of(api)
        assert group["acked_by"] == "groups-op" and group["acked_until"] is not None

        await page.get_by_role("button", name="Unack").click()
        await decided(page, "Acknowledgement withdrawn")
        await expect(page.get_by_test_id("group-acked")).to_have_count(0)
        await expect(page.get_by_role("button", name="Unack")).to_have_count(0)
        assert (await group_of(api))["acked_by"] == ""

        await page.get_by_label("Assign to").fill("dave")
        await page.get_by_role("button", name="Assign", exact=True).click()
        await decided(page, "Assigned")
        await expect(page.get_by_test_id("group-assignee")).to_have_text("dave")
        assert (await group_of(api))["assignee"] == "dave"

        viewer = await new_page(viewport=PHONE)
        viewer_token = issue_token(database, Role.viewer, "groups-viewer")
        await viewer.goto(f"{api_url}/alerts/groups/{group['id']}#token={viewer_token}")
        await expect(viewer.get_by_test_id("group-assignee")).to_have_text("dave")
        await expect(viewer.locator("table.group-alerts tbody tr")).to_have_count(2)
        assert await viewer.get_by_role("button").filter(has_text="Ack").count() == 0
        for name in ("Unack", "Assign", "Resolve"):
            assert await viewer.get_by_role("button", name=name, exact=True).count() == 0
        width = await viewer.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width

        await page.get_by_role("button", name="Resolve", exact=True).click()
        await page.get_by_role("button", name="Yes, resolve them").click()
        await decided(page, "Resolved")
        # The group turns resolved after its workflow tells the resolution: the live stream
        # refreshes the page.
        await expect(page.get_by_test_id("group-counts")).to_have_text("resolved")
        await expect(page.get_by_text("Nothing fires in this group")).to_be_visible()
        for kind in ("acked", "unacked", "assigned", "resolved"):
            await expect(
                page.locator(f'ol.group-timeline li[data-kind="{kind}"]')
            ).not_to_have_count(0)
        acked = page.locator('ol.group-timeline li[data-kind="acked"] strong').first
        await expect(acked).to_have_text("acknowledged")  # the kind in words, not its key
        group = await group_of(api)
        assert group["status"] == "resolved" and group["firing"] == 0
        assert {a["status"] for a in group["alerts"]} == {"resolved"}
        await eventually(lambda: len(webhook_peer.accepted) == 2, 30, "the resolved message")
        assert webhook_peer.accepted[-1]["title"].startswith("[Sluice] RESOLVED")


async def test_the_group_list_pages_with_next_and_previous(
    api_url: str, database: str, new_page: NewPage
) -> None:
    route = f"paging-{RUN}"
    at = datetime.now(UTC)
    with Session(make_engine(database)) as session:
        for n in range(60):  # written as the group workflow's activities would
            session.add(AlertGroup(id=f"{route}-{n:02d}", route=route, group_labels={"n": n},
                                   updated_at=at - timedelta(seconds=n)))  # fmt: skip
        session.commit()
    page = await new_page()
    viewer = issue_token(database, Role.viewer, "groups-pager")
    await page.goto(f"{api_url}/alerts/groups?route={route}#token={viewer}")
    rows = page.locator("table.group-list tbody tr")
    await expect(rows).to_have_count(50)
    await expect(rows.first).to_have_attribute("data-group", f"{route}-00")
    await page.get_by_role("button", name="Next").click()
    await expect(rows).to_have_count(10)
    await expect(rows.first).to_have_attribute("data-group", f"{route}-50")
    await expect(page.get_by_role("button", name="Next")).to_be_disabled()
    await page.get_by_role("button", name="Previous").click()
    await expect(rows).to_have_count(50)
    await expect(rows.last).to_have_attribute("data-group", f"{route}-49")
