"""The knowledge and ticket pages in real Chromium against the real API: an operator writes a
knowledge entry, finds it among the drafts to review, saves a second version, publishes it and
finds it by an English and a Chinese search; opens a ticket, acks, starts, comments, assigns
and resolves it from its page and reads the timeline; the board shows it in its column, moves
it, and shows a refused move (409) on its card; a viewer at phone width reads both with no
buttons that change anything; "Open ticket" on a group's page opens (then finds) its ticket."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from playwright.async_api import Page, expect
from sqlmodel import Session

from store.db import make_engine
from store.models import AlertGroup, Role
from tests.api.tokens import issue_token
from tests.console.conftest import PHONE, NewPage

TITLE = "磁盘空间不足 DiskFull on the log volume"


async def write_entry(page: Page, api_url: str) -> str:
    """Create a draft through the form; answer its page's path."""
    await page.get_by_role("link", name="New entry").click()
    await page.get_by_label("Title").fill(TITLE)
    await page.get_by_label("Symptoms").fill("磁盘空间使用率超过 95%, writes fail with ENOSPC")
    await page.get_by_label("Cause").fill("Old application logs are never rotated.")
    await page.get_by_label("Resolution (Markdown)").fill("1. Delete logs older than 7 days")
    await page.get_by_label("Tags (comma-separated)").fill("disk, storage")
    await page.get_by_label("Label matchers (one a line)").fill('alertname="DiskFull"')
    await page.get_by_role("button", name="Create draft").click()
    await expect(page).to_have_url(re.compile(rf"{api_url}/knowledge/\d+$"))
    await expect(page.get_by_test_id("kb-state")).to_contain_text("v1 · draft")
    return page.url.removeprefix(api_url)


async def test_an_operator_writes_publishes_and_finds_a_knowledge_entry(
    api_url: str, database: str, new_page: NewPage
) -> None:
    operator = issue_token(database, Role.operator, "kb-op")
    page = await new_page()
    await page.goto(f"{api_url}/knowledge#token={operator}")
    entry = await write_entry(page, api_url)

    await page.goto(f"{api_url}/knowledge")
    await page.get_by_role("button", name="Drafts to review").click()
    await expect(page).to_have_url(f"{api_url}/knowledge?status=draft")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Drafts to review")
    await page.get_by_test_id("kb-list").get_by_role("link", name=TITLE).click()

    await page.get_by_label("Resolution (Markdown)").fill("1. Delete logs older than 3 days")
    await page.get_by_label("What changed (optional)").fill("keep less")
    await page.get_by_role("button", name="Save as new version").click()
    await expect(page.get_by_text("Saved as a new version.")).to_be_visible()
    await expect(page.get_by_test_id("kb-state")).to_contain_text("v2 · draft")
    versions = page.locator("table.versions tbody tr")
    await expect(versions).to_have_count(2)
    await expect(page.locator('table.versions tr[data-version="2"]')).to_contain_text("keep less")
    await expect(page.locator(".version-diff")).to_contain_text("3 days")
    await page.get_by_role("button", name="Publish v2").click()
    await expect(page.get_by_text("Published.", exact=True)).to_be_visible()
    await expect(page.get_by_test_id("kb-state")).to_contain_text("published v2")
    await expect(page.get_by_role("button", name="Publish v2")).to_have_count(0)

    for query in ("DiskFull volume", "磁盘空间"):
        await page.goto(f"{api_url}/knowledge")
        await page.get_by_label("Search (English or Chinese)").fill(query)
        await page.get_by_role("button", name="Search", exact=True).click()
        await expect(page).to_have_url(re.compile(r"/knowledge\?q="))
        hit = page.get_by_test_id("kb-results").locator("li").first
        await expect(hit).to_contain_text(TITLE)
        await expect(hit).to_contain_text("text #1")
        await expect(hit.get_by_role("link", name=TITLE)).to_have_attribute("href", entry)
    await hit.get_by_role("link", name="storage", exact=True).click()  # entries with that tag
    await expect(page).to_have_url(f"{api_url}/knowledge?tag=storage")
    await expect(page.get_by_test_id("kb-list")).to_contain_text(TITLE)

    viewer = await new_page(viewport=PHONE)
    await viewer.goto(f"{api_url}{entry}#token={issue_token(database, Role.viewer, 'kb-v')}")
    await expect(viewer.get_by_label("Title")).to_have_value(TITLE)
    await expect(viewer.get_by_label("Title")).to_be_disabled()
    for name in ("Save as new version", "Publish v2"):
        assert await viewer.get_by_role("button", name=name).count() == 0
    await viewer.goto(f"{api_url}/knowledge?q=DiskFull")
    await expect(viewer.get_by_test_id("kb-results")).to_contain_text(TITLE)
    assert await viewer.get_by_role("link", name="New entry").count() == 0
    width = await viewer.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


async def test_an_operator_works_a_ticket_from_its_page_and_the_board(
    api_url: str, database: str, new_page: NewPage
) -> None:
    operator = issue_token(database, Role.operator, "olga")
    page = await new_page()
    await page.goto(f"{api_url}/tickets#token={operator}")
    await page.get_by_text("New ticket").click()
    await page.get_by_label("Title").fill("Log volume fills up")
    await page.get_by_label("Priority").first.select_option("P2")
    await page.get_by_role("button", name="Open ticket").click()
    await expect(page).to_have_url(f"{api_url}/tickets/T-1")
    status = page.get_by_test_id("ticket-status")
    await expect(status).to_have_text("open")

    await page.get_by_role("button", name="Acknowledge").click()
    await expect(status).to_have_text("acknowledged")
    await page.get_by_role("button", name="Start").click()
    await expect(status).to_have_text("in progress")
    await page.get_by_label("Comment").fill("Rotating the logs now")
    await page.get_by_role("button", name="Add comment").click()
    await page.get_by_label("Assign to").fill("dave")
    await page.get_by_role("button", name="Assign", exact=True).click()
    await expect(page.get_by_test_id("ticket-assignee")).to_have_text("dave")
    await page.get_by_role("button", name="Resolve").click()
    await expect(status).to_have_text("resolved")
    await expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    timeline = page.get_by_test_id("ticket-timeline")
    await expect(timeline.locator('li[data-kind="comment"]')).to_contain_text(
        "Rotating the logs now"
    )
    moved = timeline.locator('li[data-kind="status_changed"]')
    for step in ("open → acknowledged", "acknowledged → in progress", "in progress → resolved"):
        await expect(moved.filter(has_text=step)).to_have_count(1)
    await expect(moved.first.locator("strong")).to_have_text("status changed")
    await expect(timeline.locator('li[data-kind="assigned"]')).to_contain_text("dave")

    await page.goto(f"{api_url}/tickets/board")
    card = page.locator('article.ticket-card[data-ticket="T-1"]')
    await expect(page.locator('[data-status="resolved"]').locator(card)).to_have_count(1)
    await card.get_by_role("button", name="Reopen").click()
    await expect(page.locator('[data-status="open"]').locator(card)).to_have_count(1)
    # Someone else closes it meanwhile: the stale card's Acknowledge is refused, on the card.
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {operator}"}
    ) as api:
        assert (await api.post("/api/v1/tickets/T-1:close")).status_code == 200
    await card.get_by_role("button", name="Acknowledge").click()
    await expect(card.get_by_role("alert")).to_contain_text("cannot ack a ticket that is closed")
    await expect(page.locator('[data-status="closed"]').locator(card)).to_have_count(1)

    viewer = await new_page(viewport=PHONE)
    token = issue_token(database, Role.viewer, "tickets-v")
    await viewer.goto(f"{api_url}/tickets/T-1#token={token}")
    await expect(viewer.get_by_test_id("ticket-status")).to_have_text("closed")
    await expect(viewer.get_by_test_id("ticket-timeline")).to_contain_text("Rotating the logs")
    await viewer.goto(f"{api_url}/tickets/board")
    await expect(viewer.locator('[data-status="closed"] article.ticket-card')).to_have_count(1)
    await viewer.goto(f"{api_url}/tickets")
    await expect(viewer.locator("table.ticket-list tbody tr")).to_have_count(1)
    assert await viewer.get_by_text("New ticket").count() == 0
    moves = re.compile("Acknowledge|Start|Resolve|Close|Reopen|Assign|Add comment")
    for url, ready in (("/tickets/T-1", "ol.ticket-timeline li"), ("/tickets/board", "article")):
        await viewer.goto(f"{api_url}{url}")
        await expect(viewer.locator(ready).first).to_be_visible()
        assert await viewer.locator("main button").filter(has_text=moves).count() == 0
        width = await viewer.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width


async def test_open_ticket_on_a_group_page_opens_the_groups_ticket(
    api_url: str, database: str, new_page: NewPage
) -> None:
    with Session(make_engine(database)) as session:  # as the group workflow's activities write it
        labels = {"alertname": "DiskFull"}
        session.add(AlertGroup(id="disk-full-g1", route="pager", group_labels=labels,
                               updated_at=datetime.now(UTC)))  # fmt: skip
        session.commit()
    page = await new_page()
    operator = issue_token(database, Role.operator, "olga")
    await page.goto(f"{api_url}/alerts/groups/disk-full-g1#token={operator}")
    await page.get_by_role("button", name="Open ticket").click()
    await expect(page).to_have_url(f"{api_url}/tickets/T-1")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("alertname=DiskFull")
    await page.get_by_role("link", name="disk-full-g1").click()
    await expect(page.get_by_test_id("group-route")).to_have_text("pager")
    await page.get_by_role("button", name="Open ticket").click()  # the same, active ticket
    await expect(page).to_have_url(f"{api_url}/tickets/T-1")
