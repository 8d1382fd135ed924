"""The config sync API in-process (its lifespan running) over a real database, with
documents shared by its tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from temporalio.client import Client

from api.app import create_app
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.fixtures.database import free_port

RULES = """groups:
  - name: node
    rules:
      - alert: NodeDown
        expr: up{job="node"} == 0
        for: 5m
        keep_firing_for: 1m
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.instance }} is down"
      - record: job:up:sum
        expr: sum by (job) (up)
"""

AM_CONFIG = """# the team's Alertmanager
route:
  receiver: ops
  group_by: [alertname]
  routes:
    - receiver: db
      matchers: ['team="db"']
receivers:
  - name: ops
    webhook_configs:
      - url: "http://127.0.0.1:9/hook?token=ops-token-123"
        http_config:
          authorization: {credentials: "bearer-456"}
  - name: db
    slack_configs:
      - api_url: "https://hooks.slack.example/T0/B0/slack-secret-789"
        channel: "#db"
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
"""
SECRETS = ("ops-token-123", "bearer-456", "slack-secret-789")
KEY = "config-sync-test-key-0123456789"


def settings_for(db_url: str, **overrides: Any) -> Settings:
    """Settings with a secret key and, unless given, a Temporal nobody answers on."""
    base: dict[str, Any] = {
        "database_url": db_url,
        "notifications": {"secret_key": KEY},
        "temporal": {"address": f"127.0.0.1:{free_port()}", "task_queue": "config-tests"},
        "config_sync": {"start_timeout": 1.0, "check_interval": 0},
    }
    return Settings(**{**base, **overrides})


@asynccontextmanager
async def api(
    settings: Settings, temporal: Client | None = None, role: Role = Role.admin
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    if temporal is not None:
        app.state.temporal = temporal
    transport = httpx.ASGITransport(app=app)
    headers = bearer(settings.database_url, role)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers) as client,
    ):
        yield client


def problems(response: httpx.Response) -> list[tuple[int, str]]:
    assert response.status_code == 422, response.text
    body = response.json()["error"]
    assert body["code"] == "invalid_config", body
    return [(p["line"], p["message"]) for p in body["problems"]]


async def created(client: httpx.AsyncClient, path: str, **body: Any) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


async def published(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.post(path)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


async def alertmanager_target(client: httpx.AsyncClient, name: str = "am-a") -> None:
    """Alertmanager config `main` (AM_CONFIG) published, and a target `name` that runs it."""
    await created(client, "/api/v1/alertmanager-configs", name="main", text=AM_CONFIG)
    await published(client, "/api/v1/alertmanager-configs/main/versions/1:publish")
    target = {"name": name, "kind": "alertmanager", "alertmanager_config": "main"}
    await created(client, "/api/v1/config-targets", **target)
