"""The alert decision loop with real peers, for tests/e2e/test_alert_loop_prometheus.py: a
real Prometheus evaluating rules over an exporter the test drives, posting to a real Sluice
API (uvicorn) as its Alertmanager; a real worker on the shared Temporal dev server sending
to a loopback webhook. One such loop per database, shared by the module's tests."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from temporalio.client import Client

from api.app import create_app
from sluice.alerts import fingerprint
from sluice.cli.schedules import remove_schedules
from sluice.cli.servers import free_port
from sluice.cli.worker import run_worker
from sluice.settings import Settings, load_settings
from store.db import migrate
from store.models import Role
from tests.api.tokens import bearer, issue_token
from tests.e2e.agent_support import eventually
from tests.fixtures.prometheus import prometheus_server
from tests.peers.chat import WebhookPeer
from tests.peers.exporter import ExporterPeer

JOB = "exporter"
# One Prometheus rule per alert name, over the exporter's series of that `problem`.
SEVERITY = {"Down": "page", "Source": "critical", "Target": "warning", "Silenced": "page",
            "Escalated": "page", "Redelivered": "page"}  # fmt: skip
ROUTING = """
routes:
  - name: loop-escalated
    matchers: ['alertname="Escalated"']
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 24h
    channels: [hook]
    escalation: page
  - name: loop
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 24h
    channels: [hook]
inhibit_rules:
  - name: source-mutes-target
    source: ['alertname="Source"']
    target: ['severity="warning"']
    equal: [run, host]
escalation_policies:
  - name: page
    steps:
      - {wait: 2s, channels: [hook], people: [li]}
    repeat: 100
"""


def rules() -> dict[str, Any]:
    return {"groups": [{"name": "loop", "interval": "1s", "rules": [
        {"alert": name, "expr": f'sluice_e2e_problem{{problem="{name}"}} > 0',
         "labels": {"severity": severity},
         "annotations": {"summary": f"{name} on {{{{ $labels.host }}}}"}}
        for name, severity in SEVERITY.items()
    ]}]}  # fmt: skip


@dataclass
class Loop:
    db: str
    api: httpx.AsyncClient  # as an admin, named e2e-admin
    exporter: ExporterPeer
    peer: WebhookPeer

    def fire(self, name: str, run: str, *hosts: str) -> None:
        """`name` fires on `hosts` (default: host a), all seen in the same scrape."""
        series = [{"problem": name, "run": run, "host": h} for h in hosts or ("a",)]
        self.exporter.set(1, *series)

    def clear(self, name: str, run: str, *hosts: str) -> None:
        series = [{"problem": name, "run": run, "host": h} for h in hosts or ("a",)]
        self.exporter.set(0, *series)

    def fingerprint(self, name: str, run: str, host: str = "a") -> str:
        """The alert's fingerprint from the labels Prometheus gives it."""
        labels = {"alertname": name, "problem": name, "run": run, "host": host, "job": JOB,
                  "severity": SEVERITY[name], "instance": self.exporter.target}  # fmt: skip
        return fingerprint(labels)

    def messages(self, name: str, run: str) -> list[dict[str, Any]]:
        """What the webhook was sent about the group of `name` in `run`, in order."""
        return [
            m for m in list(self.peer.accepted)
            if m["facts"]["group"]["labels"] == {"alertname": name, "run": run}
        ]  # fmt: skip

    def titles(self, name: str, run: str) -> list[str]:
        return [m["title"].split(" ")[1] for m in self.messages(name, run)]

    async def told(self, name: str, run: str, count: int, within: float = 60) -> list[str]:
        """The group's message titles' kinds (FIRING:n, RESOLVED, escalation) once it has
        `count` messages."""
        await eventually(
            lambda: len(self.messages(name, run)) >= count, within,
            f"{count} messages of {name} {run} (got {self.titles(name, run)})",
        )  # fmt: skip
        return self.titles(name, run)

    async def alert(self, fp: str) -> dict[str, Any]:
        response = await self.api.get(f"/api/v1/alerts/{fp}")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def event(self, fp: str, kind: str, **detail: Any) -> dict[str, Any]:
        """The alert's first event `kind` whose detail holds `detail`, once there is one."""

        async def found() -> dict[str, Any] | None:
            response = await self.api.get(f"/api/v1/alerts/{fp}")
            events = response.json()["events"] if response.status_code == 200 else []
            return next(
                (e for e in events if e["kind"] == kind
                 and all(e["detail"].get(k) == v for k, v in detail.items())), None,
            )  # fmt: skip

        return await eventually(found, 60, f"event {kind} {detail} of {fp}")

    async def group(self, name: str, run: str) -> dict[str, Any]:
        groups = (await self.api.get("/api/v1/alert-groups", params={"limit": 500})).json()["items"]
        [row] = [g for g in groups if g["group_labels"] == {"alertname": name, "run": run}]
        detail: dict[str, Any] = (await self.api.get(f"/api/v1/alert-groups/{row['id']}")).json()
        return detail


class Loops:
    """The module's loops, started on first use (one per database), stopped at its end."""

    def __init__(self, stack: AsyncExitStack, tmp: pytest.TempPathFactory, temporal: Client,
                 temporal_address: str) -> None:  # fmt: skip
        self._stack, self._tmp, self._temporal = stack, tmp, temporal
        self._address = temporal_address
        self._loops: dict[str, Loop] = {}

    async def get(self, db: str, request: pytest.FixtureRequest) -> Loop:
        if db not in self._loops:
            self._loops[db] = await self._start(db, request, self._tmp.mktemp(f"loop-{db}"))
        return self._loops[db]

    async def _start(self, db: str, request: pytest.FixtureRequest, tmp: Path) -> Loop:
        stack = self._stack
        database = self._database(db, request, tmp)
        settings = load_settings(
            database_url=database,
            temporal={"address": self._address, "task_queue": f"loop-{uuid.uuid4().hex[:10]}"},
            notifications={"secret_key": "alert loop secret key"},
            api={"alert_outbox_interval": 0.5},
        )
        peer = stack.enter_context(contextlib.closing(WebhookPeer()))
        exporter = stack.enter_context(contextlib.closing(ExporterPeer()))
        api_url = await stack.enter_async_context(_serve_api(settings))
        await stack.enter_async_context(_run_worker(settings, self._temporal))
        api = await stack.enter_async_context(httpx.AsyncClient(
            base_url=api_url, headers=bearer(database, Role.admin, "e2e-admin"), timeout=30
        ))  # fmt: skip
        await _prepare(api, peer)
        token = issue_token(database, Role.alert_source, "prometheus")
        (tmp / "rules.yml").write_text(yaml.safe_dump(rules()))
        extra = {
            "rule_files": [str(tmp / "rules.yml")],
            "alerting": {"alertmanagers": [{
                "api_version": "v2", "static_configs": [{"targets": [api_url.split("//")[1]]}],
                "basic_auth": {"username": "prometheus", "password": token},
            }]},
        }  # fmt: skip
        # Firing alerts are resent every second (not every minute): redeliveries all along.
        flags = ["--rules.alert.resend-delay=1s"]
        stack.enter_context(prometheus_server(tmp, {JOB: [exporter.target]}, extra, flags))
        return Loop(db, api, exporter, peer)

    def _database(self, db: str, request: pytest.FixtureRequest, tmp: Path) -> str:
        if db == "sqlite":
            url = f"sqlite:///{tmp / 'sluice.db'}"
            migrate(url)
            return url
        server = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("postgres_migrated_template")
        name = server.create_database(template=template)
        self._stack.callback(server.drop_database, name)
        return str(server.url(name))


async def _prepare(api: httpx.AsyncClient, peer: WebhookPeer) -> None:
    """The webhook channel `hook` and the routing document, published."""
    channel = {"name": "hook", "type": "webhook", "config": {"url": peer.url},
               "secrets": {"secret": "hook-secret"}}  # fmt: skip
    assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
    saved = await api.post(
        "/api/v1/alert-routing/versions", json={"text": ROUTING, "comment": "loop"}
    )
    assert saved.status_code == 201, saved.text
    version = saved.json()["version"]
    published = await api.post(f"/api/v1/alert-routing/versions/{version}:publish")
    assert published.status_code == 200, published.text


@contextlib.asynccontextmanager
async def _serve_api(settings: Settings) -> AsyncIterator[str]:
    """`sluice api` under uvicorn on a loopback port, with its lifespan (the outbox drain)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, 20, "API started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def _run_worker(settings: Settings, client: Client) -> AsyncIterator[None]:
    task = asyncio.create_task(run_worker(settings, client))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await remove_schedules(client, settings.temporal.task_queue)
