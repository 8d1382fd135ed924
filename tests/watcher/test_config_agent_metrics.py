"""The config sidecar's /metrics: drift, the last apply's outcome and failed status reports,
which deploy/prometheus/sluice-rules.yml alerts on. Served as `sluice config-agent` does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from activities.config_sync import ConfigSyncActivities
from tests.activities.config_sync.conftest import RULES, publish
from tests.e2e.agent_support import eventually
from tests.peers.config_sync import ControlPlanePeer
from tests.watcher.conftest import vmalert_sidecar
from watcher.config_agent import StatusReporter
from watcher.metrics import MetricsServer


@pytest.fixture
def sync(tmp_path: Path, control_plane: ControlPlanePeer) -> Iterator[ConfigSyncActivities]:
    with vmalert_sidecar(
        control_plane, tmp_path, verify_timeout=3, drift_interval=0.1, max_backoff=0.4
    ) as sync:
        yield sync


async def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:  # fmt: skip
    return scraped[(name, frozenset(labels.items()))]


async def test_applies_drift_and_failed_reports_are_exported(
    sync: ConfigSyncActivities, control_plane: ControlPlanePeer, tmp_path: Path
) -> None:
    server = MetricsServer(sync.metrics, lambda: (True, {}), "config_agent.metrics_port")
    await server.start("127.0.0.1", 0)
    try:
        before = await scrape(server.port)
        assert value(before, "sluice_config_agent_last_apply_success") == 1
        assert value(before, "sluice_config_agent_applies_total", outcome="failed") == 0

        assert sync.apply_config(publish(control_plane, sync, {"a.yml": RULES.format(name="A")}))
        broken = RULES.format(name="B").replace("vector(1)", "BROKEN(")
        assert not sync.apply_config(publish(control_plane, sync, {"b.yml": broken})).applied
        failed = await scrape(server.port)
        assert value(failed, "sluice_config_agent_applies_total", outcome="applied") == 1
        assert value(failed, "sluice_config_agent_applies_total", outcome="failed") == 1
        assert value(failed, "sluice_config_agent_last_apply_success") == 0
        assert value(failed, "sluice_config_agent_version") == 1
        assert value(failed, "sluice_config_agent_drift") == 0

        (tmp_path / "a.yml").write_text(RULES.format(name="ByHand"))
        control_plane.down = True
        reporter = StatusReporter(sync.cfg, sync)
        running = asyncio.create_task(reporter.run())
        try:
            await eventually(lambda: reporter.failures >= 2, 10, "two failed reports")
            drifted = await scrape(server.port)
            assert value(drifted, "sluice_config_agent_drift") == 1
            assert value(drifted, "sluice_config_agent_report_failures") >= 2

            control_plane.down = False
            await eventually(lambda: reporter.failures == 0, 10, "a report taken")
            assert value(await scrape(server.port), "sluice_config_agent_report_failures") == 0
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    finally:
        await server.close()
