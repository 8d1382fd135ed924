"""Alert groups end to end: the API takes deliveries and signals group workflows on a real
Temporal dev server, the central worker sends to a loopback webhook channel; outages of
Temporal delay notifications and lose none; operators decide through the API."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from temporalio.client import Client

from api.app import create_app
from bench.servers import OwnTemporal
from sluice.cli.worker import run_worker
from sluice.settings import Settings
from store.db import make_engine, migrate
from store.models import AlertOutbox, Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually
from tests.e2e.flow import keep_history
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import publish

# Group ids are global in the shared Temporal namespace: each test's alerts carry its own run.
RUN = uuid.uuid4().hex[:8]
ROUTING = """
routes:
  - name: ops
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 24h
    channels: [hook]
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings plus a key for channel secrets and a quick outbox drain."""
    notifications = settings.notifications.model_validate({"secret_key": "alert groups key"})
    api = settings.api.model_copy(update={"alert_outbox_interval": 0.5})
    return settings.model_copy(update={"notifications": notifications, "api": api})


async def prepare(api: httpx.AsyncClient, database: str, peer: WebhookPeer) -> None:
    channel = {"name": "hook", "type": "webhook", "config": {"url": peer.url},
               "secrets": {"secret": "hook-secret"}}  # fmt: skip
    assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
    publish(make_engine(database), ROUTING)


def postable(name: str, instance: str, run: str, ends: datetime | None = None) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": {"alertname": name, "instance": instance, "run": RUN + run},
        "annotations": {"summary": f"{name} on {instance}"},
        "startsAt": "2026-12-06T05:00:00Z",
    }
    if ends is not None:
        alert["endsAt"] = ends.isoformat()
    return alert


async def deliver(api: httpx.AsyncClient, database: str, *alerts: dict[str, Any]) -> None:
    source = bearer(database, Role.alert_source, "prometheus")
    response = await api.post("/api/v2/alerts", json=list(alerts), headers=source)
    assert response.status_code == 200, response.text


async def test_a_delivery_makes_one_message_per_group(
    database: str, central_worker: None, api: httpx.AsyncClient, webhook_peer: WebhookPeer
) -> None:
    await prepare(api, database, webhook_peer)
    await deliver(api, database, postable("Down", "a", "-0"), postable("Down", "b", "-0"),
                  postable("Slow", "a", "-0"))  # fmt: skip
    await eventually(lambda: len(webhook_peer.accepted) == 2, 30, "two group messages")
    titles = sorted(m["title"] for m in webhook_peer.accepted)
    assert [t.split(",")[0] for t in titles] == [
        "[Sluice] FIRING:1 alertname=Slow", "[Sluice] FIRING:2 alertname=Down"
    ]  # fmt: skip

    async def counted() -> list[tuple[str, int]]:  # recorded just after the send
        groups = (await api.get("/api/v1/alert-groups")).json()["items"]
        counts = sorted((g["group_labels"]["alertname"], g["firing"]) for g in groups)
        return counts if counts == [("Down", 2), ("Slow", 1)] else []

    await eventually(counted, 10, "the groups' counts")


async def test_two_concurrent_deliveries_to_a_new_group_start_one_workflow(
    database: str,
    central_worker: None,
    api: httpx.AsyncClient,
    webhook_peer: WebhookPeer,
    temporal_client: Client,
) -> None:
    await prepare(api, database, webhook_peer)
    await asyncio.gather(
        deliver(api, database, postable("Down", "a", "-1")),
        deliver(api, database, postable("Down", "b", "-1")),
    )
    await eventually(lambda: len(webhook_peer.accepted) >= 1, 30, "the group's message")
    [group] = (await api.get("/api/v1/alert-groups")).json()["items"]
    runs = [r async for r in temporal_client.list_workflows(f'WorkflowId="{group["id"]}"')]
    assert len(runs) == 1
    [message] = webhook_peer.accepted
    assert message["facts"]["counts"]["firing"] == 2


async def test_operators_ack_assign_and_resolve_through_the_api(
    database: str,
    central_worker: None,
    api: httpx.AsyncClient,
    webhook_peer: WebhookPeer,
    temporal_client: Client,
) -> None:
    await prepare(api, database, webhook_peer)
    await deliver(api, database, postable("Down", "a", "-2"))
    await eventually(lambda: len(webhook_peer.accepted) == 1, 30, "the firing message")
    firing = (await api.get("/api/v1/alert-groups", params={"status": "firing"})).json()
    [group] = firing["items"]
    base = f"/api/v1/alert-groups/{group['id']}"
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    impersonated = await api.post(f"{base}:ack", json={"until": until, "by": "carol"})
    assert impersonated.status_code == 422  # who decided is the token's name, never the body's
    acked = await api.post(f"{base}:ack", json={"until": until, "on_behalf_of": "carol"})
    assert acked.status_code == 200, acked.text
    assert (acked.json()["acked_by"], acked.json()["acked_on_behalf_of"]) == ("e2e-admin", "carol")
    assert (await api.post(f"{base}:assign", json={"to": "dave"})).json()["assignee"] == "dave"
    assert (await api.post(f"{base}:unack", json={})).status_code == 200
    refused = await api.post(f"{base}:unack", json={})
    assert refused.status_code == 409 and "not acknowledged" in refused.json()["error"]["message"]
    assert (await api.post("/api/v1/alert-groups/alert-group-nope:ack", json={})).status_code == 404
    assert (await api.post(f"{base}:resolve", json={"on_behalf_of": "carol"})).status_code == 200
    await eventually(lambda: len(webhook_peer.accepted) == 2, 30, "the resolved message")
    assert webhook_peer.accepted[-1]["title"].startswith("[Sluice] RESOLVED")

    async def resolved() -> Any:  # recorded just after the send
        detail = (await api.get(base)).json()
        return detail if detail["status"] == "resolved" else None

    detail = await eventually(resolved, 10, "the group resolved")
    assert detail["assignee"] == "dave"
    kinds = [e["kind"] for e in detail["timeline"]]
    assert {"acked", "assigned", "unacked", "notified", "resolved"} <= set(kinds)
    [ack] = [e["detail"] for e in detail["timeline"] if e["kind"] == "acked"]
    assert (ack["by"], ack["on_behalf_of"]) == ("e2e-admin", "carol")
    gone = await api.post(f"{base}:ack", json={})  # the run has ended
    assert gone.status_code == 409
    await keep_history(temporal_client, group["id"], "alert_group_decisions")


@contextlib.asynccontextmanager
async def api_with_lifespan(settings: Settings, database: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):  # the outbox drain runs in it
        transport = httpx.ASGITransport(app=app)
        headers = bearer(database, Role.admin, "e2e-admin")
        async with httpx.AsyncClient(
            transport=transport, base_url="http://api", headers=headers
        ) as client:
            yield client


def outbox_rows(database: str) -> int:
    with Session(make_engine(database)) as session:
        return int(session.exec(select(func.count()).select_from(AlertOutbox)).one()[0])  # type: ignore[call-overload]


@pytest.mark.timeout(180)
async def test_deliveries_while_temporal_is_down_are_accepted_and_caught_up(
    tmp_path: Path, settings: Settings, own_temporal: OwnTemporal, webhook_peer: WebhookPeer
) -> None:
    temporal = settings.temporal.model_copy(update={"address": own_temporal.address})
    settings = settings.model_copy(update={"temporal": temporal})
    migrate(settings.database_url)
    database = settings.database_url
    async with api_with_lifespan(settings, database) as api:
        await prepare(api, database, webhook_peer)
        own_temporal.stop()
        await deliver(api, database, postable("Down", "a", "-3"), postable("Slow", "a", "-3"))
        assert outbox_rows(database) == 2  # accepted, durable, waiting for Temporal
        own_temporal.start()
        client = await Client.connect(own_temporal.address)
        worker = asyncio.create_task(run_worker(settings, client))
        try:
            await eventually(lambda: outbox_rows(database) == 0, 60, "the outbox drained")
            await eventually(lambda: len(webhook_peer.accepted) == 2, 60, "both groups told")
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
