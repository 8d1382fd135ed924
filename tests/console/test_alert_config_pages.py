"""The alert Routing and Silences pages in real Chromium against the real API: a routing
document with an error is marked at its line, fixed, saved and published; the test panel says
which routes take a label set and which silence mutes it; a silence is created and expired,
and another made from an alert's detail."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import NewPage
from tests.console.test_rules_page import replace_yaml

BROKEN = """routes:
  - name: database
    matchers: ['team="db"']
    group_by: [alertname, cluster]
    continue: true
  - name: critical
    matchers: ['severity=critical']
    colour: red
default:
  name: fallback
"""
FIXED = (
    BROKEN.replace("    colour: red\n", "").replace(
        "    continue: true\n", "    continue: true\n    template: db\n"
    )
    + "templates:\n  db:\n    title: '[DB] {{ counts.firing }} firing in {{ group.title }}'\n"
)


def version_row(page: Page, version: int) -> Locator:
    return page.locator(f'table.versions tr[data-version="{version}"]')


async def test_publish_routing_test_labels_and_silence_then_expire(
    api_url: str, database: str, new_page: NewPage
) -> None:
    token = issue_token(database, Role.operator, "alerts-op")
    page = await new_page()
    await page.goto(f"{api_url}/alerts/routing#token={token}")
    await expect(page.get_by_test_id("live-version")).to_contain_text("nothing published")

    await replace_yaml(page, BROKEN)
    await page.get_by_role("button", name="Save as new version").click()
    problem = page.locator("ul.problems li")
    await expect(problem).to_contain_text("Line 8:")
    await expect(problem).to_contain_text("routes[1].colour")
    await expect(page.locator(".cm-line").nth(7).locator(".cm-lintRange-error")).to_contain_text(
        "colour"
    )

    await replace_yaml(page, FIXED)
    await page.get_by_label("Comment (why this change)").fill("database first")
    await page.get_by_role("button", name="Save as new version").click()
    await expect(problem).to_have_count(0)
    await expect(version_row(page, 1)).to_contain_text("database first")
    await version_row(page, 1).get_by_role("button", name="Publish v1").click()
    await expect(version_row(page, 1)).to_contain_text("live")
    await expect(page.get_by_test_id("live-version")).to_contain_text("version 1")

    labels = page.get_by_label("Labels, one name=value a line")
    await labels.fill("team=db\nseverity=critical\nalertname=Down\ncluster=c1")
    await page.get_by_role("button", name="Test", exact=True).click()
    result = page.get_by_test_id("routing-test-result")
    await expect(result).to_contain_text("Under version 1")
    await expect(result.locator("tr[data-route]")).to_have_count(2)
    await expect(result.locator('tr[data-route="database"]')).to_contain_text("cluster=c1")
    preview = result.locator('[data-preview="database"]')  # its template, rendered
    await expect(preview).to_contain_text("from template db")
    await expect(preview.locator("strong")).to_have_text(
        "[DB] 1 firing in alertname=Down, cluster=c1"
    )
    await expect(result.locator('[data-preview="critical"]')).to_have_count(0)  # built in

    await page.get_by_role("link", name="Silences").click()
    await page.get_by_label("Matchers, one a line").fill('team="web"')
    await page.get_by_label("Comment (required)").fill("deploy window")
    await page.get_by_role("button", name="Create silence").click()
    await expect(page.get_by_text("Created silence #")).to_be_visible()
    row = page.locator("table.silence-list tbody tr", has_text="deploy window")
    await expect(row).to_contain_text("active")

    await page.get_by_role("link", name="Routing").click()
    await page.get_by_label("Labels, one name=value a line").fill("team=web\nalertname=Down")
    await page.get_by_role("button", name="Test", exact=True).click()
    await expect(result).to_contain_text("the default route takes it")
    await expect(result).to_contain_text("Muted now by silence #")
    await expect(result.locator('tr[data-route="fallback"]')).to_be_visible()

    await page.get_by_role("link", name="Silences").click()
    await row.get_by_role("button", name="Expire").click()
    await page.get_by_role("button", name="Yes, expire it").click()
    await expect(row).to_have_count(0)  # the list shows active silences
    await page.get_by_label("State").select_option("expired")
    await expect(row).to_contain_text("expired")

    source = issue_token(database, Role.alert_source, "alerts-source")
    disk = {"labels": {"alertname": "DiskFull", "instance": "db-1"}}
    posted = await page.request.post(
        f"{api_url}/api/v2/alerts", data=[disk], headers={"Authorization": f"Bearer {source}"}
    )
    assert posted.ok
    await page.get_by_role("link", name="Alerts", exact=True).click()
    await page.get_by_role("link", name="DiskFull").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("DiskFull")
    await page.get_by_role("button", name="Silence", exact=True).click()
    await page.get_by_role("checkbox", name="alertname=DiskFull").uncheck()
    await page.get_by_label("Comment (required)").fill("disk swap")
    await page.get_by_role("button", name="Create silence").click()
    await expect(page.get_by_text("Created silence #")).to_be_visible()
    await page.get_by_role("link", name="Silences").click()
    silenced = page.locator("table.silence-list tbody tr", has_text="disk swap")
    await expect(silenced).to_contain_text('instance="db-1"')
    await expect(silenced).not_to_contain_text("alertname")
