"""The overview in real Chromium on a seeded database: its numbers are the dashboard API's, the
charts draw (no CSP violation), the period is in the URL, and it follows language and theme."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from playwright.async_api import expect

from store.db import make_engine
from store.models import Role, utcnow
from tests.api.seeding import MiB, seed_agent, seed_rule, seed_task
from tests.api.tokens import bearer, issue_token
from tests.console.conftest import NewPage


def seed(database: str) -> None:
    engine = make_engine(database)
    rule = seed_rule(engine, "logs")
    at = utcnow() - timedelta(minutes=10)
    for dwell in (10, 20, 30):
        seed_task(engine, at, "succeeded", size=2 * MiB, dwell_s=dwell, rule_id=rule)
    seed_task(engine, at, "failed", error_class="network", rule_id=rule)
    seed_task(engine, at, "failed", error_class="timeout")
    seed_task(engine, utcnow() - timedelta(hours=3), "running")
    seed_agent(engine, "host-on", silent_s=0)
    seed_agent(engine, "host-off", silent_s=86_400, status="offline")
    engine.dispose()


def percent(rate: float) -> str:
    return f"{round(rate * 100, 1):g}%"


async def test_the_overview_shows_the_dashboard_api_numbers(
    api_url: str, database: str, new_page: NewPage
) -> None:
    seed(database)
    headers = bearer(database, Role.viewer)
    async with httpx.AsyncClient(base_url=api_url, headers=headers) as client:  # the API
        dashboard = (await client.get("/api/v1/dashboard?period=1h")).json()  # runs in this loop
        daily = (await client.get("/api/v1/reports/daily")).json()
    totals, agents = dashboard["totals"], dashboard["agents"]
    assert totals["files"] == 5 and totals["failed"] == 2  # the running one is older than 1h

    page = await new_page()
    await page.goto(f"{api_url}/overview#token=" + issue_token(database, Role.viewer))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    await page.get_by_role("button", name="Last hour").click()
    await expect(page).to_have_url(re.compile(r"/overview\?period=1h$"))

    stat = page.get_by_test_id
    await expect(stat("stat-files").locator(".stat-value")).to_have_text(str(totals["files"]))
    await expect(stat("stat-success-rate")).to_contain_text(percent(totals["success_rate"]))
    await expect(stat("stat-bytes")).to_contain_text("6.0 MiB")
    await expect(stat("stat-dwell")).to_contain_text(
        f"{dashboard['dwell']['p50_s']:.1f} s / {dashboard['dwell']['p95_s']:.1f} s"
    )
    await expect(stat("stat-agents").locator(".stat-value")).to_have_text(
        f"{agents['online']} / {agents['total']}"
    )
    await expect(stat("stat-stuck").locator(".stat-value")).to_have_text(
        str(dashboard["stuck"]["count"])
    )
    by_class = page.get_by_test_id("failures-by-class").first
    await expect(by_class.locator("canvas")).to_have_count(1)
    await expect(by_class.get_by_role("img")).to_have_attribute(
        "aria-label",
        ", ".join(
            f"{row['error_class']}: {row['count']}" for row in dashboard["failures_by_class"]
        ),
    )

    report = page.get_by_test_id("daily-report")
    await expect(report.get_by_test_id("daily-files").locator("dd")).to_have_text(
        str(daily["totals"]["files"])
    )
    await expect(report.get_by_test_id("daily-stuck").locator("dd")).to_have_text(
        str(daily["stuck"]["count"])
    )
    yesterday = (utcnow() - timedelta(days=2)).date().isoformat()
    await report.get_by_label("Day").fill(yesterday)
    await expect(page).to_have_url(re.compile(rf"day={yesterday}"))
    await expect(report.get_by_test_id("daily-files").locator("dd")).to_have_text("0")

    # 简体中文 and dark: the same numbers, translated labels, charts redrawn.
    await page.get_by_label("Language").select_option("zh-CN")
    await page.get_by_label("主题").select_option("dark")
    await expect(page.get_by_role("heading", level=1)).to_have_text("概览")
    await expect(stat("stat-files")).to_contain_text("文件数")
    await expect(stat("stat-files").locator(".stat-value")).to_have_text(str(totals["files"]))
