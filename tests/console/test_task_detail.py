"""A task's detail in real Chromium on the real stack: a running upload shows its bytes and is
cancelled through the confirm dialog; a failed task is retried into a new linked run, which is
approved, succeeds and hands out a download link that serves the file's bytes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
from playwright.async_api import expect

from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import NewPage
from tests.e2e.conftest import api  # noqa: F401
from tests.e2e.flow import publish, wait_for_task
from watcher.agent import Agent

MiB = 1024 * 1024
FILE_FLOW_S = 90
# Twelve 5 MiB parts at 2 MiB/s: half a minute of upload to watch and cancel.
SLOW_RULE = {
    "name": "slow-upload",
    "match": {"suffixes": [".hprof"]},
    "pipeline": [{"upload": {"part_concurrency": 1, "bandwidth_limit": "2MiB"}}, {"verify": {}}],
}


async def test_a_running_upload_shows_its_bytes_and_is_cancelled_after_confirming(
    running: Agent, api_url: str, database: str, inbox: Path, new_page: NewPage
) -> None:
    publish(database, SLOW_RULE)
    page = await new_page()
    await page.goto(f"{api_url}/tasks#token=" + issue_token(database, Role.operator, "op"))
    (inbox / "big.hprof").write_bytes(os.urandom(60 * MiB))
    row = page.locator("table.tasks tbody tr", has_text="big.hprof")
    await expect(row).to_contain_text("running", timeout=FILE_FLOW_S * 1000)
    await row.get_by_role("link").click()

    progress = page.get_by_test_id("upload-progress")
    await expect(progress).to_contain_text("running: upload")
    # Bytes go up part by part while the page stays open (no reload): some, not all, sent.
    await expect(progress).to_contain_text(
        re.compile(r"[1-9][\d.]* MiB of 60\.0 MiB sent"), timeout=30_000
    )
    sent = await progress.get_by_role("progressbar").get_attribute("value")
    assert sent is not None and 0 < int(sent) < 60 * MiB

    await page.get_by_role("button", name="Cancel task").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Cancel this task?")
    await dialog.get_by_role("button", name="Keep running").click()  # asked, and kept
    await expect(page.locator(".page-title")).to_contain_text("running")
    await page.get_by_role("button", name="Cancel task").click()
    await page.get_by_role("button", name="Yes, cancel it").click()
    await expect(page.get_by_text("Cancel requested.")).to_be_visible()
    await expect(page.locator(".page-title")).to_contain_text("cancelled", timeout=30_000)
    await expect(progress).to_have_count(0)  # finished: no progress to show
    await expect(page.locator('li.step[data-step="upload"]')).not_to_contain_text("succeeded")
    await expect(page.get_by_role("button", name="Retry")).to_be_visible()


async def test_retry_a_failed_task_approve_the_new_run_and_download_its_object(
    running: Agent,
    api_url: str,
    api: httpx.AsyncClient,  # noqa: F811
    database: str,
    inbox: Path,
    new_page: NewPage,
) -> None:
    pipeline = [{"upload": {}}, {"approve": {"timeout": "5m"}}]
    publish(database, {"name": "held", "match": {"suffixes": [".bin"]}, "pipeline": pipeline})
    content = os.urandom(300 * 1024)
    (inbox / "held.bin").write_bytes(content)
    first = (await wait_for_task(api, "held.bin", "waiting_approval", FILE_FLOW_S))["id"]
    refused = await api.post(f"/api/v1/tasks/{first}:approve", json={"approved": False})
    assert refused.status_code == 200, refused.text
    await wait_for_task(api, "held.bin", "failed", FILE_FLOW_S)

    page = await new_page()
    await page.goto(f"{api_url}/tasks/{first}#token=" + issue_token(database, Role.operator))
    await expect(page.locator(".page-title")).to_contain_text("failed")
    await page.get_by_role("button", name="Retry").click()
    started = page.get_by_text("Started a new run:")
    await expect(started).to_be_visible()
    await started.get_by_role("link").click()
    await expect(page).not_to_have_url(re.compile(re.escape(first) + "$"))
    second = page.url.rsplit("/", 1)[1]

    chain = page.locator("ol.linked-runs li")
    await expect(chain).to_have_count(2)
    await expect(chain.nth(0)).to_contain_text(first)
    await expect(chain.nth(0)).to_contain_text("failed")
    await expect(chain.nth(1)).to_contain_text("this run")
    await expect(chain.nth(1)).to_contain_text(f"retry of {first}")

    await expect(page.locator(".page-title")).to_contain_text(
        "waiting for approval", timeout=FILE_FLOW_S * 1000
    )
    await page.get_by_role("button", name="Approve").click()
    await expect(page.locator(".page-title")).to_contain_text("succeeded", timeout=60_000)

    timeline = page.locator("ol.timeline")
    await expect(timeline.locator("li", has_text="Detected")).to_have_count(1)
    await expect(timeline.locator("li", has_text="Run started")).to_have_count(2)
    await expect(timeline.locator("li", has_text="Run finished")).to_have_count(2)

    location = page.locator(".object-location")
    await expect(location).to_contain_text("held.bin")
    await location.get_by_role("button", name="Get download link").click()
    link = page.get_by_test_id("download-link")
    await expect(link).to_have_text("Download held.bin")
    url = await link.get_attribute("href")
    assert url is not None and second not in url  # the store's address, signed
    async with httpx.AsyncClient() as client:
        fetched = await client.get(url)
    assert fetched.status_code == 200
    assert fetched.content == content
