"""Real alert senders into a real `sluice api`: Alertmanager's webhook with basic auth
(firing, then resolved, under the fingerprint Alertmanager reports) and Prometheus posting
its alerts straight to Sluice's /api/v2/alerts as its Alertmanager."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from sluice.alerts import fingerprint
from sluice.cli.devsetup import alert_receivers
from store.models import Role
from tests.api.tokens import bearer, issue_token
from tests.e2e.agent_support import eventually
from tests.fixtures.alertmanager import alertmanager, alertmanager_server
from tests.fixtures.prometheus import prometheus_server


async def alert_in_sluice(
    sluice: httpx.AsyncClient, fp: str, status: str, within: float = 30
) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        response = await sluice.get(f"/api/v1/alerts/{fp}")
        found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return found if found and found["status"] == status else None

    return await eventually(check, within, f"alert {fp} {status} in Sluice")


async def test_alertmanager_webhook_firing_then_resolved(
    api_url: str, database: str, tmp_path: Path
) -> None:
    token = issue_token(database, Role.alert_source, "alertmanager")
    labels = {"alertname": "DiskFull", "instance": "db-01", "severity": "critical"}
    now = datetime.now(UTC)
    alert = {"labels": labels, "annotations": {"summary": "disk full"},
             "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat(),
             "generatorURL": "http://prometheus/graph"}  # fmt: skip
    webhook = f"{api_url}/api/v1/alerts/alertmanager"
    headers = bearer(database, Role.viewer)
    with alertmanager_server(tmp_path, webhook, token) as am_url:
        async with (
            httpx.AsyncClient(base_url=am_url, timeout=10) as am,
            httpx.AsyncClient(base_url=api_url, headers=headers, timeout=10) as sluice,
        ):
            assert (await am.post("/api/v2/alerts", json=[alert])).status_code == 200
            reported = (await am.get("/api/v2/alerts")).json()
            am_fingerprint = reported[0]["fingerprint"]
            assert am_fingerprint == fingerprint(labels)
            firing = await alert_in_sluice(sluice, am_fingerprint, "firing")
            assert (firing["source"], firing["severity"]) == ("alertmanager", "critical")
            assert firing["annotations"] == {"summary": "disk full"}

            resolved_at = datetime.now(UTC)
            ended = alert | {"endsAt": resolved_at.isoformat()}
            assert (await am.post("/api/v2/alerts", json=[ended])).status_code == 200
            resolved = await alert_in_sluice(sluice, am_fingerprint, "resolved")
    assert [event["kind"] for event in resolved["events"]] == ["firing", "resolved"]
    assert all(event["detail"]["receiver"] == "sluice" for event in resolved["events"])
    assert all(event["detail"]["sender"] == "alertmanager" for event in resolved["events"])
    assert resolved["ends_at"] is not None


async def test_prometheus_posts_to_sluice_as_its_alertmanager(
    api_url: str, database: str, tmp_path: Path
) -> None:
    token = issue_token(database, Role.alert_source, "prometheus")
    # It fires a few seconds in: Prometheus drops what fires before it has found its
    # Alertmanager, and resends only a minute later (which the wait below still covers).
    fires_at = int(time.time()) + 8
    rules = {"groups": [{"name": "always", "interval": "1s", "rules": [
        {"alert": "AlwaysOn", "expr": f"vector(time()) > {fires_at}",
         "labels": {"severity": "page"}, "annotations": {"summary": "always on"}},
    ]}]}  # fmt: skip
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    extra = {
        "rule_files": [str(tmp_path / "rules.yml")],
        "alerting": {"alertmanagers": [{
            "api_version": "v2", "static_configs": [{"targets": [urlsplit(api_url).netloc]}],
            "basic_auth": {"username": "prometheus", "password": token},
        }]},
    }  # fmt: skip
    headers = bearer(database, Role.viewer)
    with prometheus_server(tmp_path, {}, extra):
        async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=10) as sluice:
            fp = fingerprint({"alertname": "AlwaysOn", "severity": "page"})
            firing = await alert_in_sluice(sluice, fp, "firing", within=90)
    assert (firing["source"], firing["severity"]) == ("prometheus", "page")
    assert firing["annotations"] == {"summary": "always on"}
    assert firing["generator_url"].startswith("http")
    assert [event["detail"]["sender"] for event in firing["events"]] == ["prometheus"]


def pasted(banner: str, heading: str) -> dict[str, Any]:
    """The YAML block under `heading` in `sluice dev`'s banner, as a user would paste it."""
    lines = banner.splitlines()
    start = lines.index(f"  {heading}") + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line[4:])
    loaded: dict[str, Any] = yaml.safe_load("\n".join(block))
    return loaded


def checked_by(command: str, config: dict[str, Any], path: Path) -> None:
    path.write_text(yaml.safe_dump(config))
    checked = subprocess.run(
        [*command.split(), str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_the_dev_banners_alert_config_works_when_pasted(
    api_url: str, database: str, tmp_path: Path
) -> None:
    token = issue_token(database, Role.alert_source, "pasted")
    banner = alert_receivers(api_url, token)
    am_config = pasted(banner, "alertmanager.yml receiver:") | {
        "route": {"receiver": "sluice", "group_wait": "1s", "group_interval": "1s"}
    }
    prometheus_config = pasted(banner, "prometheus.yml:")
    checked_by("amtool check-config", am_config, tmp_path / "alertmanager.yml")
    checked_by("promtool check config", prometheus_config, tmp_path / "prometheus.yml")

    labels = {"alertname": "PastedConfig", "instance": "web-01"}
    now = datetime.now(UTC)
    alert = {"labels": labels, "startsAt": now.isoformat(),
             "endsAt": (now + timedelta(hours=1)).isoformat()}  # fmt: skip
    with alertmanager(tmp_path, am_config) as am_url:
        async with (
            httpx.AsyncClient(base_url=am_url, timeout=10) as am,
            httpx.AsyncClient(
                base_url=api_url, headers=bearer(database, Role.viewer), timeout=10
            ) as sluice,
        ):
            assert (await am.post("/api/v2/alerts", json=[alert])).status_code == 200
            firing = await alert_in_sluice(sluice, fingerprint(labels), "firing")
            assert firing["source"] == "alertmanager"
