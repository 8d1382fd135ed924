"""Alert group analysis through AlertGroupWorkflow with its real activities, a migrated SQLite
DB, a published knowledge entry and an OpenAI-compatible peer on loopback: the route's policy
decides, `hold` lets the first message carry the analysis, a slow LLM is not waited for past
the hold, later messages carry it. On the dev server's real clock: the time-skipping server
holds its clock while an activity works, so a hold could never run out there."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.deps import get_temporal
from sluice.settings import AiSettings, Settings, TemporalSettings
from store.models import AlertGroupAnalysis, Role
from tests.api.tokens import bearer
from tests.fixtures.knowledge import published_entry
from tests.peers.chat import WebhookPeer
from tests.peers.llm import OpenAIPeer
from tests.workflows.alert_groups import GroupRig, alert, hook_channels, publish

ROUTING = """
routes:
  - name: db
    matchers: ['team="db"']
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 2m
    channels: [hook]
    analysis: {when: always, hold: 20s}
  - name: slow
    matchers: ['team="slow"']
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 2s
    channels: [hook]
    analysis: {when: always, hold: 2s}
  - name: picky
    matchers: ['team="picky"']
    group_by: [alertname, run]
    group_wait: 1s
    channels: [hook]
    analysis: {when: severity, severities: [critical]}
  - name: quiet
    matchers: ['team="quiet"']
    group_by: [alertname, run]
    group_wait: 1s
    channels: [hook]
"""


@pytest.fixture
def run() -> str:
    """A label of its own for each test's groups: the dev server outlives the tests."""
    return uuid.uuid4().hex[:8]


def answer(entry_id: int) -> dict[str, Any]:
    return {
        "summary": "Replication lag on the primary database.",
        "severity": "high",
        "causes": ["A long-running transaction holds the WAL"],
        "actions": [{"action": "Find and end the long transaction", "risk": "medium"}],
        "confidence": 0.7,
        "knowledge": [f"KB-{entry_id}", "KB-99999"],  # the second was never offered
    }


@pytest.fixture
async def rig(
    temporal_client: Client, metadata_engine: Engine, webhook_peer: WebhookPeer,
    openai_peer: OpenAIPeer,
) -> AsyncIterator[GroupRig]:  # fmt: skip
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "hook")
    ai = AiSettings(base_url=openai_peer.base_url, api_key=SecretStr("sk-test"), max_retries=0)
    env = WorkflowEnvironment.from_client(temporal_client)
    yield GroupRig(env, metadata_engine, webhook_peer, ai=ai)


def entry(engine: Engine) -> int:
    return published_entry(
        engine, title="Replication lag", symptoms="ReplicationLag fires on the primary",
        cause="long transactions", resolution="- end the transaction\n- check the WAL",
    )  # fmt: skip


def analyses(engine: Engine) -> list[AlertGroupAnalysis]:
    with Session(engine) as session:
        return list(session.exec(select(AlertGroupAnalysis)).all())


async def until(check: Callable[[], Any], seconds: float = 20) -> Any:
    for _ in range(int(seconds * 10)):
        if value := check():
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_the_first_message_waits_for_the_analysis_and_carries_it(
    rig: GroupRig, openai_peer: OpenAIPeer, run: str
) -> None:
    entry_id = entry(rig.engine)
    openai_peer.content = json.dumps(answer(entry_id))
    openai_peer.default, openai_peer.slow_s = "slow", 3.0  # longer than group_wait
    async with rig.worker():
        [group] = await rig.send(alert("ReplicationLag", run=run, team="db", severity="warning"))
        [message] = await until(rig.messages)
        assert "Replication lag on the primary database." in message["text"]
        assert "Find and end the long transaction" in message["text"]
        assert message["facts"]["analysis"]["knowledge"] == [f"KB-{entry_id}"]
    [row] = analyses(rig.engine)
    assert (row.group_id, row.trigger, row.degraded, row.knowledge) == (group, "auto", False,
                                                                        [entry_id])  # fmt: skip
    assert row.actions == [{"action": "Find and end the long transaction", "risk": "medium"}]
    assert row.prompt_tokens > 0
    prompt = openai_peer.prompts[-1]
    assert "ReplicationLag" in prompt and f"[KB-{entry_id}] Replication lag" in prompt


async def test_a_slow_llm_is_not_waited_for_past_the_hold(
    rig: GroupRig, openai_peer: OpenAIPeer, run: str
) -> None:
    openai_peer.content = json.dumps(answer(1))
    openai_peer.default, openai_peer.slow_s = "slow", 6.0
    async with rig.worker():
        [group] = await rig.send(alert("Lag", run=run, team="slow", instance="a"))
        [first] = await until(rig.messages)
        assert "Replication lag" not in first["text"] and "analysis" not in first["facts"]
        assert not analyses(rig.engine)  # sent after group_wait + hold, before the answer
        await until(lambda: analyses(rig.engine), seconds=30)
        await rig.send(alert("Lag", run=run, team="slow", instance="b"))
        second = (await until(lambda: rig.messages()[1:]))[0]
        assert "Replication lag on the primary database." in second["text"]
    [row] = analyses(rig.engine)
    assert row.group_id == group and not row.degraded


async def test_the_route_policy_decides_which_groups_are_analysed(
    rig: GroupRig, openai_peer: OpenAIPeer, run: str
) -> None:
    openai_peer.content = json.dumps(answer(1))
    async with rig.worker():
        [warning] = await rig.send(alert("Slow", run=run, team="picky", severity="warning"))
        [critical] = await rig.send(alert("Down", run=run, team="picky", severity="critical"))
        [quiet] = await rig.send(alert("Down", run=run, team="quiet"))
        await until(lambda: len(rig.messages()) == 3)
        await until(lambda: analyses(rig.engine))
    assert [row.group_id for row in analyses(rig.engine)] == [critical]
    assert warning != critical != quiet


async def test_without_an_llm_the_builtin_analysis_is_marked_degraded(
    rig: GroupRig, run: str
) -> None:
    rig.ai = AiSettings()
    entry_id = entry(rig.engine)
    async with rig.worker():
        await rig.send(alert("ReplicationLag", run=run, team="db", severity="critical"))
        [message] = await until(rig.messages)
    [row] = analyses(rig.engine)
    assert (row.degraded, row.error_class, row.model) == (True, "not_configured", "builtin")
    assert row.severity == "critical" and row.knowledge == [entry_id]
    assert row.actions[0] == {"action": f"end the transaction [KB-{entry_id}]", "risk": "unknown"}
    assert "Analysis (built-in)" in message["text"]


async def test_an_operator_asks_for_an_analysis_through_the_api(
    rig: GroupRig, openai_peer: OpenAIPeer, run: str
) -> None:
    openai_peer.content = json.dumps(answer(1))
    openai_peer.default, openai_peer.slow_s = "slow", 4.0  # the second request joins it
    url = rig.engine.url.render_as_string(hide_password=False)
    app = create_app(
        Settings(database_url=url, temporal=TemporalSettings(task_queue=rig.task_queue))
    )
    app.dependency_overrides[get_temporal] = lambda: rig.client
    transport = httpx.ASGITransport(app=app)
    operator = httpx.AsyncClient(transport=transport, base_url="http://api",
                                 headers=bearer(url, Role.operator, "olga"))  # fmt: skip
    viewer = httpx.AsyncClient(transport=transport, base_url="http://api",
                               headers=bearer(url, Role.viewer, "vic"))  # fmt: skip
    async with rig.worker(), operator, viewer:
        [group] = await rig.send(alert("Down", run=run, team="quiet"))
        await until(rig.messages)
        assert (await operator.get(f"/api/v1/alert-groups/{group}")).json()["analysis"] is None
        first = await operator.post(f"/api/v1/alert-groups/{group}:analyze")
        again = await operator.post(f"/api/v1/alert-groups/{group}:analyze")  # joins it
        assert first.status_code == again.status_code == 202, first.text
        assert first.json() == again.json() == {"workflow_id": first.json()["workflow_id"]}
        done = await rig.client.get_workflow_handle(first.json()["workflow_id"]).result()
        assert done["degraded"] is False
        shown = (await viewer.get(f"/api/v1/alert-groups/{group}")).json()["analysis"]
        assert (shown["trigger"], shown["actor"], shown["summary"]) == (
            "on_demand", "olga", "Replication lag on the primary database."
        )  # fmt: skip
        assert shown["knowledge"] == []  # KB-1 was never offered: there is no entry
        history = (await viewer.get(f"/api/v1/alert-groups/{group}/analyses")).json()
        assert [a["id"] for a in history] == [shown["id"]]
        assert (await viewer.post(f"/api/v1/alert-groups/{group}:analyze")).status_code == 403
        missing = await operator.post("/api/v1/alert-groups/alert-group-nope:analyze")
        assert missing.status_code == 404
    assert len(openai_peer.prompts) == 1
