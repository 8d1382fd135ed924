"""Self-monitoring end to end: a real Prometheus scrapes a running Sluice API and a process
serving the worker's metrics, evaluates deploy/prometheus/sluice-rules.yml (a copy with
`for: 0s` and 1 s evaluations), and sends the alerts that fire to Sluice's own receiver,
configured as its Alertmanager with an `alert-source` bearer token; they then show in
Sluice's `GET /api/v1/alerts`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from store.db import make_engine
from store.models import Role
from tests.api.seeding import seed_agent
from tests.api.tokens import bearer, issue_token
from tests.deploy.promql import dashboard_exprs, rule_groups
from tests.e2e.agent_support import eventually
from tests.e2e.test_prometheus_alerts import analyses_process, command
from tests.fixtures.prometheus import Prometheus, prometheus_server

__all__ = ["analyses_process"]  # the worker-like process, a fixture shared with that module


def quick_rules(path: Path) -> Path:
    """The rules as shipped, but evaluated every second and firing at once (`for: 0s`).

    The latency rules (a `histogram_quantile` over request or dispatch times) keep their
    shipped `for`: on a shared test machine one slow scrape among a handful of requests is a
    p95 over a second, and this test must not pass or fail on wall-clock time. Their
    expressions are still loaded, evaluated and queried."""
    groups = rule_groups()
    for group in groups:
        group["interval"] = "1s"
        for rule in group["rules"]:
            if "histogram_quantile" not in rule["expr"]:
                rule["for"] = "0s"
    path.write_text(yaml.safe_dump({"groups": groups}))
    return path


def alerting(api_url: str, token: str) -> dict[str, Any]:
    """Sluice as Prometheus's Alertmanager (`POST /api/v2/alerts`), with a bearer token."""
    return {"alertmanagers": [{
        "api_version": "v2",
        "static_configs": [{"targets": [api_url.removeprefix("http://")]}],
        "authorization": {"type": "Bearer", "credentials": token},
    }]}  # fmt: skip


async def firing(prometheus: Prometheus) -> set[str]:
    return {a["metric"]["alertname"] for a in await prometheus.query('ALERTS{alertstate="firing"}')}


async def test_sluices_own_alerts_fire_into_its_receiver(
    tmp_path: Path,
    api_url: str,
    database: str,
    analyses_process: tuple[subprocess.Popen[str], int],
) -> None:
    worker, worker_port = analyses_process
    token = issue_token(database, Role.alert_source, "self-monitoring")
    extra = {
        "rule_files": [str(quick_rules(tmp_path / "sluice-rules.yml"))],
        "alerting": alerting(api_url, token),
    }
    targets = {
        "sluice-api": [api_url.removeprefix("http://")],
        "sluice-worker": [f"127.0.0.1:{worker_port}"],
    }
    with prometheus_server(tmp_path, targets, extra, ["--rules.alert.resend-delay=1s"]) as url:
        prometheus = Prometheus(url)
        try:
            await prometheus.wait_for("min(count_over_time(up[5m]))", lambda n: n >= 3, 30)
            # every target up (one scrape of a busy API can time out, the next succeeds)
            await prometheus.wait_for("min(up)", lambda n: n == 1, 30)
            # Every rule and dashboard query is one Prometheus accepts.
            for group in rule_groups():
                for rule in group["rules"]:
                    await prometheus.query(rule["expr"])
            for _, expr in dashboard_exprs():
                await prometheus.query(expr)
            # A healthy Sluice, its DB series scraped: nothing fires.
            assert await prometheus.value('max(sluice_agents{status="offline"})') == 0
            assert await prometheus.value("min(sluice_api_db_up)") == 1
            assert await firing(prometheus) == set()

            # An agent that stopped sending heartbeats ten minutes ago.
            seed_agent(make_engine(database), "web-07", silent_s=600)
            await prometheus.wait_for('max(sluice_agents{status="offline"})', lambda n: n == 1)
            offline = await shown_in_sluice(api_url, database, "SluiceAgentOffline")
            assert await firing(prometheus) == {"SluiceAgentOffline"}

            # The worker's analyses all fall back to the built-in analyzer (no LLM set).
            await command(worker, "degraded 3")
            degraded = await shown_in_sluice(api_url, database, "SluiceAIDegradedCritical")
            assert await firing(prometheus) == {
                "SluiceAgentOffline", "SluiceAIDegraded", "SluiceAIDegradedCritical"
            }  # fmt: skip
        finally:
            await prometheus.close()

    assert offline["status"] == "firing" and offline["source"] == "prometheus"
    assert offline["labels"]["severity"] == "warning"
    assert offline["annotations"]["summary"] == "1 agent(s) offline"
    assert offline["annotations"]["runbook_url"] == "docs/runbooks.md#sluiceagentoffline"
    assert degraded["labels"]["severity"] == "critical"
    assert degraded["annotations"]["summary"] == (
        "100% of analyses fell back to the built-in analyzer"
    )


async def shown_in_sluice(api_url: str, database: str, name: str) -> dict[str, Any]:
    """The alert `name` as `GET /api/v1/alerts` lists it, once Prometheus has sent it."""
    headers = bearer(database, Role.viewer, "e2e-viewer")
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=10) as api:

        async def listed() -> dict[str, Any] | None:
            page = await api.get("/api/v1/alerts", params={"match": f"alertname={name}"})
            assert page.status_code == 200, page.text
            items: list[dict[str, Any]] = page.json()["items"]
            return items[0] if items else None

        found: dict[str, Any] = await eventually(listed, 30, f"{name} in GET /api/v1/alerts")
        return found
