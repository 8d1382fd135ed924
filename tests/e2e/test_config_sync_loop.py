"""Config sync end to end: a rule set written through the real API (under uvicorn) is
published to a target; the rollout workflow (the in-process central worker, real Temporal
dev server) has the real `sluice config-agent` process write it beside Debian's Prometheus
and reload it; Prometheus evaluates the rule and fires into Sluice's own alert receiver;
the target's status shows the live version in sync."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer, issue_token
from tests.e2e.agent_support import eventually
from tests.fixtures.prometheus import prometheus_server


def rules(run: str) -> str:
    return f"""groups:
  - name: sluice-loop-{run}
    rules:
      - alert: SluiceLoopCheck
        expr: vector(1)
        labels: {{severity: warning, run: "{run}"}}
        annotations: {{summary: "written in Sluice, evaluated by Prometheus"}}
"""


def config_agent(
    settings: Settings, api_url: str, target: str, token: str, prometheus: str, directory: Path,
    log: Path,
) -> subprocess.Popen[bytes]:  # fmt: skip
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")},
        "SLUICE_TEMPORAL__ADDRESS": settings.temporal.address,
        "SLUICE_CONFIG_AGENT__TARGET": target,
        "SLUICE_CONFIG_AGENT__KIND": "prometheus",
        "SLUICE_CONFIG_AGENT__CONFIG_DIR": str(directory),
        "SLUICE_CONFIG_AGENT__API_URL": api_url,
        "SLUICE_CONFIG_AGENT__TOKEN": token,
        "SLUICE_CONFIG_AGENT__TARGET_URL": prometheus,
        "SLUICE_CONFIG_AGENT__REPORT_INTERVAL": "1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", "config-agent"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


@pytest.mark.usefixtures("central_worker")
async def test_a_rule_written_in_sluice_fires_from_prometheus_into_sluice(
    tmp_path: Path, settings: Settings, api_url: str
) -> None:
    run = uuid.uuid4().hex[:8]
    target = f"prom-{run}"
    database = settings.database_url
    directory = tmp_path / "sluice-rules"
    directory.mkdir()
    (tmp_path / "prometheus").mkdir()
    alerting = {"alertmanagers": [{
        "api_version": "v2", "static_configs": [{"targets": [api_url.removeprefix("http://")]}],
        "authorization": {"type": "Bearer",
                          "credentials": issue_token(database, Role.alert_source, "prom")},
    }]}  # fmt: skip
    extra = {"rule_files": [str(directory / "*.yml")], "alerting": alerting}
    flags = ["--web.enable-lifecycle", "--rules.alert.resend-delay=1s"]
    log = tmp_path / "config-agent.log"
    async with httpx.AsyncClient(
        base_url=api_url, headers=bearer(database, Role.admin, "olga"), timeout=30
    ) as api:
        made = await api.post("/api/v1/config-targets", json={
            "name": target, "kind": "prometheus", "rule_sets": [f"loop-{run}"],
        })  # fmt: skip
        assert made.status_code == 201, made.text
        token = issue_token(database, Role.config_agent, target)
        with prometheus_server(tmp_path / "prometheus", {}, extra, flags) as prometheus:
            agent = config_agent(settings, api_url, target, token, prometheus, directory, log)
            try:
                written = await api.post(
                    "/api/v1/rule-sets", json={"name": f"loop-{run}", "text": rules(run)}
                )
                assert written.status_code == 201, written.text
                live = await api.post(f"/api/v1/rule-sets/loop-{run}/versions/1:publish")
                assert live.status_code == 200, live.text

                async def in_sync() -> bool:
                    shown = (await api.get(f"/api/v1/config-targets/{target}")).json()
                    return bool(shown["in_sync"] and shown["live_version"])

                async def received() -> list[dict[str, Any]]:
                    listed = await api.get("/api/v1/alerts", params={"source": "prometheus"})
                    return [a for a in listed.json()["items"]
                            if a["labels"].get("run") == run]  # fmt: skip

                try:
                    await eventually(in_sync, 90, "the target in sync")
                except AssertionError:
                    raise AssertionError(log.read_text()[-3000:]) from None
                [alert] = await eventually(received, 90, "the alert in Sluice")
                assert alert["labels"]["alertname"] == "SluiceLoopCheck"
                assert alert["status"] == "firing"
                loaded = (await api.get(f"{prometheus}/api/v1/rules")).json()
                groups = [g["name"] for g in loaded["data"]["groups"]]
                assert groups == [f"sluice-loop-{run}"]
            finally:
                agent.send_signal(signal.SIGTERM)
                try:
                    agent.wait(30)
                except subprocess.TimeoutExpired:
                    agent.kill()
                    agent.wait()
