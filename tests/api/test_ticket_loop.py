"""The loop from an alert to knowledge: a route with `ticket: P2` and `analysis: always` opens
the group's ticket on its first firing flush (one per group) and analyses the group (the
built-in analysis: no LLM here; tests/workflows/test_alert_analysis.py has the LLM), people
comment and resolve it, the resolution drafts a knowledge entry, a person publishes it, a
search with the same alert text finds it first, and the next incident of the same alert is
matched to it and analysed with it. The group's real workflow on Temporal's time-skipping
test server, the API over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.deps import get_temporal
from api.services import ticket_timers
from sluice.alerts import IncomingAlert, fingerprint
from sluice.settings import Settings, TemporalSettings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, hook_channels, publish
from tests.workflows.conftest import time_skipping  # noqa: F401  (the fixture)

ROUTING = """
routes:
  - name: db
    matchers: ['service="db"']
    group_by: [alertname]
    group_wait: 30s
    group_interval: 1m
    channels: [db-hook]
    ticket: P2
    analysis: always
"""
ERROR = "could not write to file pg_wal/000000010000000A: No space left on device"


def disk_alert(instance: str) -> IncomingAlert:
    labels = {"alertname": "PostgresWalDiskFull", "service": "db", "instance": instance}
    return IncomingAlert(
        fingerprint=fingerprint(labels), status="firing", labels=labels,
        annotations={"summary": "WAL volume full", "description": ERROR},
        starts_at=None, ends_at=None, generator_url="http://prom/graph",
    )  # fmt: skip


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment,  # noqa: F811
    metadata_engine: Engine,
    webhook_peer: WebhookPeer,
) -> AsyncIterator[GroupRig]:
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "db-hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer)


async def test_a_route_ticket_resolved_becomes_knowledge_that_matches_the_next_alert(
    rig: GroupRig,
) -> None:
    url = rig.engine.url.render_as_string(hide_password=False)
    temporal = TemporalSettings(task_queue=rig.task_queue)
    app = create_app(Settings(database_url=url, temporal=temporal))
    app.dependency_overrides[get_temporal] = lambda: rig.client
    headers = bearer(url, Role.operator, "olga")
    transport = httpx.ASGITransport(app=app)
    async with (
        rig.worker(),
        httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers) as api,
    ):
        other = await api.post("/api/v1/knowledge", json={
            "title": "Disk full on the web tier", "symptoms": "nginx cannot write its logs",
            "resolution": "rotate the logs", "status": "published",
            "signature": {"alertname": "WebDiskFull", "service": "web"},
        })  # fmt: skip
        assert other.status_code == 201, other.text

        [group] = await rig.send(disk_alert("db-1"))
        await rig.env.sleep(31)  # group_wait: the first firing flush opens the ticket
        await rig.send(disk_alert("db-2"))  # new alerts in the group: still one ticket
        await rig.env.sleep(61)
        listed = (await api.get("/api/v1/tickets", params={"group_id": group})).json()["items"]
        assert [(t["priority"], t["created_by"], t["status"]) for t in listed] == [
            ("P2", "sluice", "open")
        ]
        ticket = listed[0]
        assert ticket["title"] == "alertname=PostgresWalDiskFull"
        made = ticket["created_at"]
        assert ticket["respond_by"] > made  # the P2 deadlines from the settings
        # Opened in a worker: the API's outbox drain starts its timer workflow.
        assert await ticket_timers.drain(rig.client, rig.engine, task_queue=rig.task_queue) == 1

        key = ticket["id"]
        for body in ("Removed WAL segments already archived.", "Grew the volume to 200 GiB."):
            said = await api.post(f"/api/v1/tickets/{key}/comments", json={"body": body})
            assert said.status_code == 201
        resolved = await api.post(f"/api/v1/tickets/{key}:resolve")
        assert resolved.status_code == 200, resolved.text
        detail = (await api.get(f"/api/v1/tickets/{key}")).json()
        draft_id = detail["knowledge_draft_id"]
        assert draft_id is not None
        assert "knowledge_drafted" in [e["kind"] for e in detail["timeline"]]
        [analysed] = [e for e in detail["timeline"] if e["source"] == "analysis"]
        assert analysed["detail"]["degraded"] and "PostgresWalDiskFull" in analysed["body"]
        assert f"KB-{draft_id}" not in analysed["detail"]["knowledge"]  # not written yet

        draft = (await api.get(f"/api/v1/knowledge/{draft_id}")).json()
        assert (draft["status"], draft["author"], draft["title"]) == (
            "draft", "sluice", "alertname=PostgresWalDiskFull"
        )  # fmt: skip
        assert draft["resolution"] == (
            "Removed WAL segments already archived.\n\nGrew the volume to 200 GiB."
        )
        assert "instance=db-1" in draft["symptoms"] and "instance=db-2" in draft["symptoms"]
        assert f"description: {ERROR}" in draft["symptoms"]
        assert draft["signature"]["alertname"] == "PostgresWalDiskFull"
        assert draft["signature"]["service"] == "db"
        # A draft is not searched by default: publishing stays a person's act.
        before = (await api.get("/api/v1/knowledge:search", params={"q": ERROR})).json()
        assert draft_id not in [hit["entry"]["id"] for hit in before["items"]]
        published = await api.post(f"/api/v1/knowledge/{draft_id}:publish")
        assert published.json()["status"] == "published"

        found = (await api.get("/api/v1/knowledge:search", params={"q": ERROR})).json()
        assert found["items"][0]["entry"]["id"] == draft_id

        # Resolving again after a reopen keeps the one draft.
        assert (await api.post(f"/api/v1/tickets/{key}:reopen")).status_code == 200
        assert (await api.post(f"/api/v1/tickets/{key}:resolve")).status_code == 200
        again = (await api.get(f"/api/v1/tickets/{key}")).json()
        assert again["knowledge_draft_id"] == draft_id

        # The next incident of the same alert: a new run of the group, matched afresh, and
        # analysed with what the team wrote down.
        await rig.env.sleep(61)  # the resolved group's run ends
        assert await rig.send(disk_alert("db-3")) == [group]
        await rig.env.sleep(31)

        async def matched() -> dict[str, Any] | None:  # by the flush just due (see rig.told)
            detail: dict[str, Any] = (await api.get(f"/api/v1/alert-groups/{group}")).json()
            return detail if detail["knowledge"] else None

        detail = await eventually(matched, 20, "the new run's flush matched the knowledge")
        assert detail["knowledge"][0]["id"] == draft_id
        analysis = detail["analysis"]
        assert analysis["knowledge"][0] == f"KB-{draft_id}"
        assert analysis["actions"][0] == {
            "action": f"Removed WAL segments already archived. [KB-{draft_id}]",
            "risk": "unknown",
        }
