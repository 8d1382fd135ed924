"""Config sync end to end: a rule set written through the real API (under uvicorn) is
published to a target; the rollout workflow (the in-process central worker, real Temporal
dev server) has the real `sluice config-agent` process write it beside Debian's Prometheus
and reload it; Prometheus evaluates the rule and fires into Sluice's own alert receiver;
the target's status shows the live version in sync. (The same loop driven from the console:
tests/console/test_config_sync_loop_page.py.)"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually
from tests.e2e.config_loop_support import prometheus_with_config_agent, rules


@pytest.mark.usefixtures("central_worker")
async def test_a_rule_written_in_sluice_fires_from_prometheus_into_sluice(
    tmp_path: Path, settings: Settings, api_url: str
) -> None:
    run = uuid.uuid4().hex[:8]
    target = f"prom-{run}"
    async with httpx.AsyncClient(
        base_url=api_url, headers=bearer(settings.database_url, Role.admin, "olga"), timeout=30
    ) as api:
        made = await api.post("/api/v1/config-targets", json={
            "name": target, "kind": "prometheus", "rule_sets": [f"loop-{run}"],
        })  # fmt: skip
        assert made.status_code == 201, made.text
        with prometheus_with_config_agent(tmp_path, settings, api_url, target) as prometheus:
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
                return [a for a in listed.json()["items"] if a["labels"].get("run") == run]

            try:
                await eventually(in_sync, 90, "the target in sync")
            except AssertionError:
                raise AssertionError(prometheus.log_tail()) from None
            [alert] = await eventually(received, 90, "the alert in Sluice")
            assert alert["labels"]["alertname"] == "SluiceLoopCheck"
            assert alert["status"] == "firing"
            loaded = (await api.get(f"{prometheus.url}/api/v1/rules")).json()
            groups = [g["name"] for g in loaded["data"]["groups"]]
            assert groups == [f"sluice-loop-{run}"]
            diff = (await api.get(f"/api/v1/config-targets/{target}/diff")).json()
            assert diff["live_known"] and diff["in_sync"]
            assert [f["change"] for f in diff["files"]] == ["same"]
