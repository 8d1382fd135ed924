"""The config sync pages in real Chromium against the real API: a rule set is created in the
editor (an invalid rule marked at its line first), published, and reaches a target whose page
shows its desired version and files (and no diff while no sidecar has reported); a viewer reads
the same pages without edit buttons."""

from __future__ import annotations

from playwright.async_api import Page, expect

from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import NewPage
from tests.console.test_rules_page import replace_yaml, version_row

RULES = """groups:
  - name: node
    rules:
      - alert: NodeDown
        expr: up{job="node"} == 0
        for: 5m
"""
BROKEN = RULES.replace("for: 5m", "for: 5")


async def create_rule_set(page: Page, api_url: str) -> None:
    await page.get_by_role("link", name="Rule sets").click()
    await page.get_by_role("link", name="New", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("node")
    await replace_yaml(page, BROKEN)
    await page.get_by_role("button", name="Create", exact=True).click()
    problem = page.locator("ul.problems li")
    await expect(problem).to_contain_text("Line 6:")
    await replace_yaml(page, RULES)
    await page.get_by_role("button", name="Create", exact=True).click()
    await expect(page).to_have_url(f"{api_url}/config/rule-sets/node")
    await expect(page.get_by_role("heading", level=1)).to_have_text("node")
    await version_row(page, 1).get_by_role("button", name="Publish v1").click()
    await expect(version_row(page, 1)).to_contain_text("live")
    await replace_yaml(page, RULES.replace("for: 5m", "for: 10m"))
    await page.get_by_label("Comment (why this change)").fill("slower")
    await page.get_by_role("button", name="Save as new version").click()
    await page.get_by_role("button", name="Publish v2").first.click()
    await expect(version_row(page, 2)).to_contain_text("live")
    await expect(page.get_by_test_id("doc-versions")).to_contain_text("live 2")


async def test_create_publish_and_see_it_reach_a_target(
    api_url: str, database: str, new_page: NewPage
) -> None:
    token = issue_token(database, Role.operator, "config-op")
    page = await new_page()
    await page.goto(f"{api_url}/overview#token={token}")
    await create_rule_set(page, api_url)

    await page.get_by_role("link", name="Targets").click()
    await page.get_by_label("Name", exact=True).fill("prom-a")
    await page.get_by_label("Kind").select_option("prometheus")
    await page.get_by_label("Rule sets (names, comma-separated)").fill("node")
    await page.get_by_role("button", name="Create target").click()
    row = page.locator('table.config-targets tr[data-name="prom-a"]')
    await expect(row).to_contain_text("prometheus")
    made = await page.request.get(
        f"{api_url}/api/v1/config-targets/prom-a", headers={"Authorization": f"Bearer {token}"}
    )
    assert made.ok, await made.text()
    desired = (await made.json())["desired_version"]
    await expect(row.get_by_test_id("target-desired")).to_have_text(str(desired))
    await row.get_by_role("link", name="prom-a").click()
    await expect(page.get_by_test_id("target-facts")).to_contain_text(f"v{desired}")
    await expect(page.get_by_test_id("desired-files")).to_contain_text("sluice-node.rules.yml")
    # No sidecar here: the diff cannot show live files yet, the rollout has not applied.
    await expect(page.get_by_test_id("target-diff")).to_contain_text(
        "The live files cannot be shown: its sidecar has never reported."
    )
    await expect(page.locator("[data-state]")).not_to_have_attribute("data-state", "applied")
    await page.get_by_role("button", name="Roll out again").click()
    await expect(page.get_by_text("rollout(s) started")).to_be_visible()
    await expect(page.locator("table.config-rollouts tbody tr").first).to_be_visible()

    viewer = issue_token(database, Role.viewer, "config-viewer")
    view = await new_page()
    await view.goto(f"{api_url}/config/rule-sets#token={viewer}")
    await expect(view.locator('table.config-docs tr[data-name="node"]')).to_contain_text("2")
    await expect(view.get_by_role("link", name="New", exact=True)).to_have_count(0)
    await view.get_by_role("link", name="node", exact=True).click()
    await expect(version_row(view, 2)).to_contain_text("live")
    await expect(view.get_by_role("button", name="Save as new version")).to_have_count(0)
    await expect(view.get_by_role("button", name="Publish v1")).to_have_count(0)
    await view.get_by_role("link", name="Targets").click()
    await expect(view.get_by_role("button", name="Create target")).to_have_count(0)
    await view.get_by_role("link", name="prom-a").click()
    await expect(view.get_by_test_id("desired-files")).to_contain_text("sluice-node.rules.yml")
    await expect(view.get_by_role("button", name="Roll out again")).to_have_count(0)

    # The versions' diff, and a roll back to the version live before.
    await page.get_by_role("link", name="Rule sets").click()
    await page.get_by_role("link", name="node", exact=True).click()
    diff = page.get_by_test_id("diff")  # the last two versions', each text fetched apart
    await expect(diff).to_contain_text("-        for: 5m")
    await expect(diff).to_contain_text("+        for: 10m")
    await page.get_by_role("button", name="Roll back", exact=True).click()
    await page.get_by_role("button", name="Yes, roll back").click()
    await expect(version_row(page, 1)).to_contain_text("live")  # published again
