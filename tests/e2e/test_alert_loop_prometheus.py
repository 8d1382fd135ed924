"""The alert decision loop with real peers: Debian's Prometheus evaluates rules over an
exporter the test drives and posts firing and resolved alerts to Sluice as its Alertmanager;
the API signals the group workflows on the shared Temporal dev server; the worker tells a
loopback webhook. Prometheus resends every firing alert each second, so every scenario also
runs under constant redelivery: each group is told exactly once per change.

Grouping and redelivery run on SQLite and PostgreSQL (the ingestion's dedup and the outbox
are what differ); silences, inhibition and escalation read the same rows on both, so they
run on PostgreSQL only. Each test's alerts carry its own `run` label: group ids are global
in the shared Temporal namespace."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client

from tests.e2e.agent_support import eventually
from tests.e2e.loop_support import Loop, Loops

ESCALATION_WAIT = 2.0  # the routing's escalation step waits this long (seconds)


@pytest.fixture(scope="module")
async def loops(
    tmp_path_factory: pytest.TempPathFactory, temporal_client: Client, temporal_address: str
) -> AsyncIterator[Loops]:
    async with AsyncExitStack() as stack:
        yield Loops(stack, tmp_path_factory, temporal_client, temporal_address)


@pytest.fixture(params=["sqlite", "postgresql"])
async def loop(request: pytest.FixtureRequest, loops: Loops) -> Loop:
    return await loops.get(request.param, request)


@pytest.fixture
async def pg_loop(request: pytest.FixtureRequest, loops: Loops) -> Loop:
    return await loops.get("postgresql", request)


def new_run() -> str:
    return uuid.uuid4().hex[:10]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["kind"] for e in events]


async def test_a_rule_fires_and_resolves_told_once_per_change_grouped(loop: Loop) -> None:
    run = new_run()
    loop.fire("Down", run, "a", "b")
    assert await loop.told("Down", run, 1) == ["FIRING:2"]  # both hosts, one message

    loop.clear("Down", run, "a")
    assert await loop.told("Down", run, 2) == ["FIRING:2", "FIRING:1"]
    second = loop.messages("Down", run)[1]
    assert second["facts"]["counts"] == {"firing": 1, "resolved": 1}

    loop.clear("Down", run, "b")
    assert await loop.told("Down", run, 3) == ["FIRING:2", "FIRING:1", "RESOLVED"]
    fp = loop.fingerprint("Down", run, "a")
    await loop.event(fp, "notified", **{"as": "resolved"})
    alert = await loop.alert(fp)
    assert (alert["status"], alert["source"], alert["severity"]) == (
        "resolved",
        "prometheus",
        "page",
    )
    assert kinds(alert["events"]) == ["firing", "notified", "resolved", "notified"]
    assert [e["detail"].get("as") for e in alert["events"] if e["kind"] == "notified"] == [
        "firing", "resolved"
    ]  # fmt: skip

    async def settled() -> dict[str, Any] | None:
        group = await loop.group("Down", run)
        return group if group["status"] == "resolved" else None

    group = await eventually(settled, 30, "the group resolved")
    assert (group["firing"], group["resolved"]) == (0, 2)
    assert len(loop.messages("Down", run)) == 3  # Prometheus's resends told nobody again


async def test_redeliveries_notify_nobody_twice(loop: Loop) -> None:
    run = new_run()
    fp = loop.fingerprint("Redelivered", run)
    loop.fire("Redelivered", run)
    assert await loop.told("Redelivered", run, 1) == ["FIRING:1"]
    # Prometheus resends the firing alert every second: counted, deduplicated, not told.
    await eventually(lambda: _deduplicated(loop, fp, 2), 60, "resends of the firing alert")

    loop.clear("Redelivered", run)
    assert await loop.told("Redelivered", run, 2) == ["FIRING:1", "RESOLVED"]
    seen = (await loop.alert(fp))["deduplicated"]
    await eventually(lambda: _deduplicated(loop, fp, seen + 2), 60, "resends of the resolved alert")

    alert = await loop.alert(fp)
    assert alert["received"] >= alert["deduplicated"] + 2
    assert kinds(alert["events"]) == ["firing", "notified", "resolved", "notified"]
    assert loop.titles("Redelivered", run) == ["FIRING:1", "RESOLVED"]
    assert loop.peer.rejected == 0


async def _deduplicated(loop: Loop, fp: str, at_least: int) -> bool:
    return bool((await loop.alert(fp))["deduplicated"] >= at_least)


async def test_a_silence_holds_the_alert_back_then_the_resolved_notice_comes(
    pg_loop: Loop,
) -> None:
    loop, run = pg_loop, new_run()
    silence = {"matchers": ['alertname="Silenced"', f'run="{run}"'], "duration": "1h",
               "comment": "maintenance", "notify_resolved": True}  # fmt: skip
    created = await loop.api.post("/api/v1/silences", json=silence)
    assert created.status_code == 201, created.text
    fp = loop.fingerprint("Silenced", run)
    loop.fire("Silenced", run)
    held = await loop.event(fp, "suppressed", reason="silenced")
    assert held["detail"]["by"] == str(created.json()["id"])
    assert (await loop.group("Silenced", run))["alerts"][0]["held_back"] == "silenced"

    loop.clear("Silenced", run)
    # Told only once: it resolved under a silence that asks for the resolved notice.
    assert await loop.told("Silenced", run, 1) == ["RESOLVED"]
    notified = await loop.event(fp, "notified")
    assert notified["detail"]["as"] == "resolved"
    alert = await loop.alert(fp)
    assert kinds(alert["events"]) == ["firing", "suppressed", "resolved", "notified"]


async def test_editing_or_expiring_a_silence_tells_what_it_held_back_at_once(
    pg_loop: Loop,
) -> None:
    loop, run = pg_loop, new_run()
    silence = {"matchers": ['alertname="Silenced"', f'run="{run}"'], "duration": "1h",
               "comment": "maintenance"}  # fmt: skip
    created = await loop.api.post("/api/v1/silences", json=silence)
    assert created.status_code == 201, created.text
    url = f"/api/v1/silences/{created.json()['id']}"
    loop.fire("Silenced", run, "a")
    await loop.event(loop.fingerprint("Silenced", run, "a"), "suppressed", reason="silenced")

    narrowed = silence | {"matchers": [*silence["matchers"], 'host="b"']}
    assert (await loop.api.put(url, json=narrowed)).status_code == 200
    # Told now, not when the silence would have ended (an hour on).
    assert await loop.told("Silenced", run, 1, within=30) == ["FIRING:1"]

    loop.fire("Silenced", run, "b")
    await loop.event(loop.fingerprint("Silenced", run, "b"), "suppressed", reason="silenced")
    expired = await loop.api.post(f"{url}:expire")
    assert expired.status_code == 200 and expired.json()["state"] == "expired"
    assert await loop.told("Silenced", run, 2, within=30) == ["FIRING:1", "FIRING:2"]
    loop.clear("Silenced", run, "a", "b")
    assert await loop.told("Silenced", run, 3) == ["FIRING:1", "FIRING:2", "RESOLVED"]


async def test_an_inhibited_target_is_told_once_its_source_resolves(pg_loop: Loop) -> None:
    loop, run = pg_loop, new_run()
    loop.fire("Source", run)
    assert await loop.told("Source", run, 1) == ["FIRING:1"]
    target = loop.fingerprint("Target", run)
    loop.fire("Target", run)
    held = await loop.event(target, "suppressed", reason="inhibited")
    assert held["detail"]["by"] == "source-mutes-target"
    assert loop.messages("Target", run) == []

    loop.clear("Source", run)
    assert await loop.told("Source", run, 2) == ["FIRING:1", "RESOLVED"]
    assert await loop.told("Target", run, 1) == ["FIRING:1"]  # its source resolved; it fires
    loop.clear("Target", run)
    assert await loop.told("Target", run, 2) == ["FIRING:1", "RESOLVED"]
    await loop.event(target, "notified", **{"as": "resolved"})  # recorded after the send
    alert = await loop.alert(target)
    assert kinds(alert["events"]) == ["firing", "suppressed", "notified", "resolved", "notified"]


@pytest.mark.timeout(240)
async def test_escalation_stops_on_ack_and_resumes_on_unack_and_when_the_ack_expires(
    pg_loop: Loop,
) -> None:
    loop, run = pg_loop, new_run()
    loop.fire("Escalated", run)
    assert (await loop.told("Escalated", run, 2))[:2] == ["FIRING:1", "escalation"]
    group = await loop.group("Escalated", run)
    base = f"/api/v1/alert-groups/{group['id']}"

    acked = await loop.api.post(f"{base}:ack", json={})
    assert acked.status_code == 200, acked.text
    assert acked.json()["acked_by"] == "e2e-admin"  # the token's name
    await asyncio.sleep(3 * ESCALATION_WAIT)  # steps that would have come while acked
    unacked = await loop.api.post(f"{base}:unack", json={})
    assert unacked.status_code == 200, unacked.text
    told = len(loop.messages("Escalated", run))
    await loop.told("Escalated", run, told + 1)  # the escalation resumed

    until = datetime.now(UTC) + timedelta(seconds=3 * ESCALATION_WAIT)
    acked = await loop.api.post(f"{base}:ack", json={"until": until.isoformat()})
    assert acked.status_code == 200, acked.text
    fp = loop.fingerprint("Escalated", run)
    await loop.event(fp, "unacked", by="ack expired")
    told = len(loop.messages("Escalated", run))
    await loop.told("Escalated", run, told + 1)  # it resumed when the ack expired

    loop.clear("Escalated", run)
    await eventually(lambda: loop.titles("Escalated", run)[-1] == "RESOLVED", 60, "resolved")
    timeline = (await loop.api.get(base)).json()["timeline"]
    steps = [e for e in timeline if e["kind"] in ("acked", "unacked", "escalated")]
    assert [e["detail"]["by"] for e in steps if e["kind"] != "escalated"] == [
        "e2e-admin", "e2e-admin", "e2e-admin", "ack expired"
    ]  # fmt: skip
    assert not _escalated_while_acked(steps), [(e["kind"], e["detail"].get("by")) for e in steps]
    # one message per escalation step, and only the first firing and the resolution besides
    titles = loop.titles("Escalated", run)
    escalated = [e for e in timeline if e["kind"] == "escalated"]
    assert titles == ["FIRING:1", *["escalation"] * len(escalated), "RESOLVED"]
    assert len(escalated) >= 3


def _escalated_while_acked(steps: list[dict[str, Any]]) -> bool:
    acked = False
    for event in steps:
        if event["kind"] == "escalated" and acked:
            return True
        acked = event["kind"] == "acked" or (acked and event["kind"] != "unacked")
    return False
