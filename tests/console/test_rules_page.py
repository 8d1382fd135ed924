"""The Rules pages in real Chromium against the real API: a rule with an error is marked at
its line, fixed, saved, published and rolled back; the test panel answers for a path; a viewer
sees no button that changes a rule."""

from __future__ import annotations

import re

from playwright.async_api import FilePayload, Locator, Page, expect

from store.models import Role
from tests.api.tokens import issue_token
from tests.console.conftest import NewPage

BROKEN = """name: csv-rule
priority: 20
match:
  suffixes: [".csv"]
pipeline:
  - upload:
      bucket_typo: archive
  - verify: {}
"""
FIXED = BROKEN.replace("  - upload:\n      bucket_typo: archive\n", "  - upload: {}\n")


PASTE = """(content, text) => {
    const data = new DataTransfer();
    data.setData("text/plain", text);
    content.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
}"""


async def replace_yaml(page: Page, text: str) -> None:
    """Select all and paste over it, as a person would (typing would auto-indent)."""
    content = page.locator(".cm-content")
    await content.click()
    await page.keyboard.press("Control+a")
    await content.evaluate(PASTE, text)


def version_row(page: Page, version: int) -> Locator:
    return page.locator(f'table.versions tr[data-version="{version}"]')


async def test_create_fix_publish_roll_back_and_test_a_rule(
    api_url: str, database: str, new_page: NewPage
) -> None:
    token = issue_token(database, Role.operator, "rules-op")
    page = await new_page()
    await page.goto(f"{api_url}/rules#token={token}")
    await page.get_by_role("link", name="New rule").click()
    await expect(page).to_have_url(re.compile(r"/rules/new$"))
    await page.locator(".cm-content").click()
    await page.keyboard.type("# typed by hand\n")  # the editor takes keys (and no inline style)
    await expect(page.locator(".cm-content")).to_contain_text("# typed by hand")

    await replace_yaml(page, BROKEN)
    await page.get_by_role("button", name="Create rule").click()
    problem = page.locator("ul.problems li")
    await expect(problem).to_contain_text("Line 7:")
    await expect(problem).to_contain_text("pipeline[0].upload.bucket_typo")
    marked = page.locator(".cm-line").nth(6).locator(".cm-lintRange-error")
    await expect(marked).to_contain_text("bucket_typo")

    await replace_yaml(page, FIXED)
    await page.get_by_role("button", name="Create rule").click()
    await expect(page).to_have_url(re.compile(r"/rules/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("csv-rule")
    await expect(version_row(page, 1)).to_be_visible()

    await page.get_by_role("button", name="Publish v1").click()
    await expect(version_row(page, 1)).to_contain_text("live")

    await replace_yaml(page, FIXED.replace("priority: 20", "priority: 30"))
    await page.get_by_role("button", name="Save as new version").click()
    await expect(version_row(page, 2)).to_be_visible()
    await expect(page.get_by_test_id("diff")).to_contain_text("+priority: 30")
    await page.get_by_role("button", name="Publish v2").click()
    await expect(version_row(page, 2)).to_contain_text("live")

    await page.get_by_role("button", name="Roll back to v1").click()
    await page.get_by_role("button", name="Yes, roll back").click()
    await expect(version_row(page, 3)).to_contain_text("live")
    await expect(page.get_by_test_id("diff")).to_contain_text("-priority: 30")

    await page.get_by_label("Path (relative to the root)").fill("reports/2026-12.csv")
    await page.get_by_label("Agent").fill("agent-a")
    await page.get_by_role("button", name="Test", exact=True).click()
    result = page.get_by_test_id("test-result")
    await expect(result).to_contain_text("Rule csv-rule (version 3)")
    await expect(result).to_contain_text("upload")

    await page.get_by_role("link", name="All rules").click()
    row = page.locator("table.rules tbody tr", has_text="csv-rule")
    await expect(row).to_contain_text("v3")


async def test_a_viewer_sees_no_button_that_changes_a_rule(
    api_url: str, database: str, new_page: NewPage
) -> None:
    operator = issue_token(database, Role.operator, "rules-op")
    viewer = issue_token(database, Role.viewer, "rules-viewer")
    page = await new_page()
    await page.goto(f"{api_url}/rules/new#token={operator}")
    await replace_yaml(page, FIXED)
    await page.get_by_role("button", name="Create rule").click()
    await expect(page).to_have_url(re.compile(r"/rules/\d+$"))
    rule_url = page.url.split("#")[0]

    watcher = await new_page()
    await watcher.goto(f"{rule_url}#token={viewer}")
    await expect(watcher.get_by_role("heading", level=1)).to_have_text("csv-rule")
    await expect(version_row(watcher, 1)).to_be_visible()
    for name in ("Save as new version", "Publish v1", "Test"):
        await expect(watcher.get_by_role("button", name=name, exact=True)).to_have_count(0)
    await expect(watcher.locator(".cm-content")).to_have_attribute("contenteditable", "false")
    await watcher.get_by_role("link", name="All rules").click()
    await expect(watcher.locator("table.rules tbody tr", has_text="csv-rule")).to_be_visible()
    await expect(watcher.get_by_role("link", name="New rule")).to_have_count(0)


async def test_importing_a_rules_file_shows_the_diff_before_it_applies(
    api_url: str, database: str, new_page: NewPage
) -> None:
    token = issue_token(database, Role.admin, "rules-admin")
    page = await new_page()
    await page.goto(f"{api_url}/rules/new#token={token}")
    await replace_yaml(page, FIXED)
    await page.get_by_role("button", name="Create rule").click()
    await expect(page).to_have_url(re.compile(r"/rules/\d+$"))
    await page.get_by_role("link", name="All rules").click()

    rules_file = "- " + FIXED.replace("priority: 20", "priority: 5").replace("\n", "\n  ")
    rules_file += "\n- {name: gz-rule, match: {suffixes: ['.gz']}, pipeline: [{upload: {}}]}\n"
    upload = FilePayload(name="rules.yaml", mimeType="text/yaml", buffer=rules_file.encode())
    await page.get_by_label(re.compile("YAML file")).set_input_files(files=upload)
    await expect(page.locator(".import-change", has_text="csv-rule")).to_contain_text(
        "+priority: 5"
    )
    await expect(page.locator(".import-change", has_text="gz-rule")).to_contain_text("new rule")
    await expect(page.locator("table.rules tbody tr")).to_have_count(1)  # nothing saved yet

    await page.get_by_role("button", name="Save and publish 2 rule(s)").click()
    await expect(page.get_by_text("Imported: the rules are live.")).to_be_visible()
    await expect(page.locator("table.rules tbody tr", has_text="csv-rule")).to_contain_text("v2")
    await expect(page.locator("table.rules tbody tr", has_text="gz-rule")).to_contain_text("v1")
