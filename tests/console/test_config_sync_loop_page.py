"""The issue's end to end, from the console: a rule set pasted into the document editor in
real Chromium, saved and published, reaches Debian's Prometheus through the rollout workflow
(in-process central worker, real Temporal dev server) and a real `sluice config-agent`
process; Prometheus loads it and its alert arrives in Sluice's own receiver, shown in the
console; the target's page turns in sync by live events (no reload) with an empty diff and its
rollout applied."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer, issue_token
from tests.console.conftest import NewPage
from tests.console.test_rules_page import replace_yaml, version_row
from tests.e2e.agent_support import eventually
from tests.e2e.config_loop_support import prometheus_with_config_agent, rules

WITHIN = 90_000  # ms: an upper bound for the rollout and the first alert, not a timing check


@pytest.mark.usefixtures("central_worker")
async def test_a_rule_written_in_the_console_fires_from_prometheus_into_sluice(
    tmp_path: Path, settings: Settings, api_url: str, new_page: NewPage
) -> None:
    run = uuid.uuid4().hex[:8]
    target, rule_set = f"prom-{run}", f"loop-{run}"
    token = issue_token(settings.database_url, Role.operator, "config-op")
    page = await new_page()
    await page.goto(f"{api_url}/config/targets#token={token}")
    await page.get_by_label("Name", exact=True).fill(target)
    await page.get_by_label("Kind").select_option("prometheus")
    await page.get_by_label("Rule sets (names, comma-separated)").fill(rule_set)
    await page.get_by_role("button", name="Create target").click()
    row = page.locator(f'table.config-targets tr[data-name="{target}"]')
    await expect(row).to_contain_text("prometheus")

    with prometheus_with_config_agent(tmp_path, settings, api_url, target) as prometheus:
        await page.get_by_role("link", name="Rule sets").click()
        await page.get_by_role("link", name="New", exact=True).click()
        await page.get_by_label("Name", exact=True).fill(rule_set)
        await replace_yaml(page, rules(run))
        await page.get_by_role("button", name="Create", exact=True).click()
        await expect(page).to_have_url(f"{api_url}/config/rule-sets/{rule_set}")
        await version_row(page, 1).get_by_role("button", name="Publish v1").click()
        await expect(version_row(page, 1)).to_contain_text("live")

        await page.get_by_role("link", name="Targets").click()
        await page.get_by_role("link", name=target).click()
        facts = page.get_by_test_id("target-facts")
        try:  # the page is not reloaded: live events bring the sidecar's report
            await expect(facts).to_contain_text("in sync", timeout=WITHIN)
        except AssertionError:
            raise AssertionError(prometheus.log_tail()) from None
        await expect(facts.locator('[data-state="applied"]')).to_be_visible()
        await expect(page.get_by_test_id("diff-empty")).to_have_text(
            "No differences: the target runs what it should."
        )
        await expect(page.locator(".target-file-diff")).to_have_count(0)

        async with httpx.AsyncClient(
            base_url=api_url, headers=bearer(settings.database_url, Role.viewer), timeout=30
        ) as api:
            loaded = (await api.get(f"{prometheus.url}/api/v1/rules")).json()
            assert [g["name"] for g in loaded["data"]["groups"]] == [f"sluice-loop-{run}"]

            async def received() -> list[dict[str, Any]]:
                listed = await api.get("/api/v1/alerts", params={"source": "prometheus"})
                return [a for a in listed.json()["items"] if a["labels"].get("run") == run]

            [alert] = await eventually(received, WITHIN / 1000, "the alert in Sluice")
        assert alert["status"] == "firing"
        await page.goto(f"{api_url}/alerts/{alert['fingerprint']}")
        await expect(page.get_by_text("SluiceLoopCheck").first).to_be_visible()
        await expect(page.get_by_text("written in Sluice, evaluated by Prometheus")).to_be_visible()
