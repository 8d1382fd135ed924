"""The documented alert expressions against a real Prometheus scraping the worker's and the
API's /metrics: each evaluates to a number, and the degrade ratio to the share degraded."""

from __future__ import annotations

import asyncio
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sluice.cli.servers import free_port
from store.db import make_engine
from store.models import AgentStatus, utcnow
from tests.api.seeding import seed_agent, seed_task
from tests.fixtures.prometheus import Prometheus, prometheus_server
from tests.peers.llm import OpenAIPeer

DOCS = Path(__file__).parent.parent.parent / "docs"
# The AI analysis alert is with the analyze step, the task and agent alerts with the metrics.
ALERT_PAGES = [DOCS / "actions.md", DOCS / "operations.md"]
DEGRADED, ANSWERED = 4, 4


def documented_alerts() -> dict[str, str]:
    """The alert expressions the docs give, by the metric they watch."""
    text = "\n".join(page.read_text() for page in ALERT_PAGES)
    spans = re.findall(r"`([^`]*(?:rate|max)\(sluice_[^`]*)`", text)
    exprs = [" ".join(span.split()) for span in spans]
    by_metric = {re.findall(r"sluice_\w+", e)[0]: e for e in exprs}
    assert set(by_metric) == {"sluice_ai_analyses_total", "sluice_tasks_finished_total",
                              "sluice_agents"}, exprs  # fmt: skip
    return by_metric


@pytest.fixture
def analyses_process(openai_peer: OpenAIPeer) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A fresh process serving the worker's /metrics, running analyses on command."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.analyses_process", str(port), openai_peer.base_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield process, port
    finally:
        process.kill()
        process.wait()


async def command(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()
    answer = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 30)
    assert answer.strip() == "done"


async def test_documented_alerts_evaluate_on_a_real_prometheus(
    tmp_path: Path,
    api_url: str,
    database: str,
    analyses_process: tuple[subprocess.Popen[str], int],
) -> None:
    alerts = documented_alerts()
    process, worker_port = analyses_process
    targets = {
        "sluice-worker": [f"127.0.0.1:{worker_port}"],
        "sluice-api": [api_url.removeprefix("http://")],
    }
    with prometheus_server(tmp_path, targets) as url:
        prometheus = Prometheus(url)
        try:
            # Both targets scraped twice before anything happens (series at their start).
            await prometheus.wait_for("min(count_over_time(up[5m]))", lambda n: n >= 2, 30)
            assert await prometheus.value("min(up)") == 1

            await command(process, f"degraded {DEGRADED}")
            await command(process, f"llm {ANSWERED}")
            engine = make_engine(database)
            for status in ("failed", "succeeded", "succeeded", "succeeded"):
                seed_task(engine, utcnow(), status, dwell_s=1)
            total = DEGRADED + ANSWERED
            await prometheus.wait_for("sum(sluice_ai_analyses_total)", lambda n: n == total)
            await prometheus.wait_for("sum(sluice_tasks_finished_total)", lambda n: n == 4)

            ratio = await prometheus.value(alerts["sluice_ai_analyses_total"])
            assert ratio is not None and ratio == pytest.approx(DEGRADED / total, abs=1e-9)
            failure_rate = await prometheus.value(alerts["sluice_tasks_finished_total"])
            assert failure_rate is not None and failure_rate == pytest.approx(0.25, abs=1e-9)

            offline = alerts["sluice_agents"]
            assert await prometheus.value(offline.split(" > ")[0]) == 0  # a number: not firing
            assert await prometheus.query(offline) == []
            seed_agent(engine, "gone", silent_s=1, status=AgentStatus.offline)
            assert await prometheus.wait_for(offline, lambda n: n == 1) == 1  # firing
            assert not math.isnan(ratio)
        finally:
            await prometheus.close()
